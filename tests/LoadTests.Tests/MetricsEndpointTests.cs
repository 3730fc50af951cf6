using System.Globalization;
using Harness.LoadTests.Telemetry;
using Harness.Testing;

namespace LoadTests.Tests;

/// <summary>The engine's /metrics after the run: held until a scrape has read the final figures, and only then.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task NothingScrapedDuringTheRun_NoWaitAtTheEnd()
    {
        await using var endpoint = await MetricsEndpoint.StartAsync("127.0.0.1", LoopbackPorts.Unused(), CancellationToken.None);
        var said = new List<string>();

        var hold = await endpoint.HoldForFinalScrapeAsync(said.Add);

        Assert.False(hold.Scraped);
        Assert.Equal(TimeSpan.Zero, hold.Waited);
        Assert.Contains(said, s => s.Contains("no scrape", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AfterTheRun_WaitsForAScrapeThatStartsAfterIt_NotForOneBefore()
    {
        await using var endpoint = await MetricsEndpoint.StartAsync("127.0.0.1", LoopbackPorts.Unused(), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = endpoint.Address };
        for (var i = 0; i < 3; i++)
        {
            (await http.GetAsync("/metrics")).EnsureSuccessStatusCode();
        }

        var said = new List<string>();
        var hold = endpoint.HoldForFinalScrapeAsync(said.Add);
        Assert.False(hold.IsCompleted, "the scrapes before the end of the run have not read its final figures");

        (await http.GetAsync("/metrics")).EnsureSuccessStatusCode();
        var result = await hold.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.Scraped);
        Assert.InRange(result.Timeout, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));
        Assert.Contains(said, s => s.Contains("final figures scraped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoScrapeAfterTheRun_GivesUpAfterThreeScrapeIntervals_AndSaysSo()
    {
        await using var endpoint = await MetricsEndpoint.StartAsync("127.0.0.1", LoopbackPorts.Unused(), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = endpoint.Address };
        for (var i = 0; i < 3; i++)
        {
            (await http.GetAsync("/metrics")).EnsureSuccessStatusCode();
        }

        var said = new List<string>();
        var result = await endpoint.HoldForFinalScrapeAsync(said.Add).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(result.Scraped);
        Assert.Equal(TimeSpan.FromSeconds(2), result.Timeout); // scrapes came back to back: the lower bound
        Assert.True(result.Waited >= TimeSpan.FromSeconds(1.9), result.Waited.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.Contains(said, s => s.Contains("the report has it", StringComparison.Ordinal));
    }
}
