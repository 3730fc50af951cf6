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
        var sent = new List<(DateTimeOffset Start, DateTimeOffset End)>();
        for (var i = 0; i < 3; i++)
        {
            var start = DateTimeOffset.UtcNow;
            (await http.GetAsync("/metrics")).EnsureSuccessStatusCode();
            sent.Add((start, DateTimeOffset.UtcNow));
        }

        var said = new List<string>();
        var result = await endpoint.HoldForFinalScrapeAsync(said.Add).WaitAsync(TimeSpan.FromSeconds(70));

        // Back-to-back scrapes on an idle machine are milliseconds apart, so three intervals are
        // below the 2 s floor; on a busy one a scrape can take a second. The endpoint saw each
        // scrape begin between our sending it and its answer, so no gap it measured exceeds the
        // longest from sending one scrape to the next one's answer: three of those bound the wait.
        var longestGap = sent.Zip(sent.Skip(1), (a, b) => b.End - a.Start).Max();
        var bound = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(2).Ticks, 3 * longestGap.Ticks));
        Assert.False(result.Scraped);
        Assert.InRange(result.Timeout, TimeSpan.FromSeconds(2), bound);
        Assert.True(result.Waited >= result.Timeout - TimeSpan.FromMilliseconds(100), $"waited {result.Waited.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s of {result.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        Assert.Contains(said, s => s.Contains("the report has it", StringComparison.Ordinal));
    }
}
