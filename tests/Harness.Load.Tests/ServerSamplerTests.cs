using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Harness.Load.Tests;

/// <summary>
/// The server sampler against a real /metrics endpoint that answers each scrape only when the test
/// releases it, timed by a clock the test sets: a starved server's late answer, without sleeps.
/// </summary>
public sealed partial class ServerSamplerTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new();
    private HeldMetrics _server = null!;
    private ServerSampler _sampler = null!;

    public async Task InitializeAsync()
    {
        _server = await HeldMetrics.StartAsync();
        _sampler = new ServerSampler(() => [("target", _server.Url)], TimeSpan.FromSeconds(30), _clock);
    }

    public async Task DisposeAsync()
    {
        _sampler.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task ALateAnswer_IsPlacedAndItsRatesDivided_ByWhenItWasAnswered()
    {
        await SampleAnsweredAsync(t: 0, answeredAt: 0, cpuSeconds: 0, workItems: 0);

        // Asked at 1 s, the starved server answers at 3 s; one core was busy all along, 1000 work items a second.
        await SampleAnsweredAsync(t: 1, answeredAt: 3, cpuSeconds: 3, workItems: 3000);

        var late = _sampler.Series.Single().Samples[1];
        Assert.Equal(3.0, late.T);
        Assert.Equal(1.0, late.Cpu); // divided by when it was sent: 3 cores, more than the server used
        Assert.Equal(1000, late.CompletedPerSecond);
        Assert.Null(late.Gap);
    }

    [Fact]
    public async Task AScrapeStillUnanswered_AtTheNextSample_IsRecordedAsAGap()
    {
        await SampleAnsweredAsync(t: 0, answeredAt: 0, cpuSeconds: 0, workItems: 0);
        _clock.Set(1);
        var slow = _sampler.SampleAsync(1, CancellationToken.None);
        var held = await _server.NextScrapeAsync();

        _clock.Set(2);
        var skipped = _sampler.SampleAsync(2, CancellationToken.None);
        Assert.True(skipped.IsCompleted, "no second scrape is sent while the first is out");

        _clock.Set(2.5);
        held.SetResult(HeldMetrics.Counters(2.5, 2500));
        await slow;
        await SampleAnsweredAsync(t: 3, answeredAt: 3, cpuSeconds: 3, workItems: 3000);

        var samples = _sampler.Series.Single().Samples;
        Assert.Equal([0, 2, 2.5, 3], samples.Select(s => s.T));
        var gap = samples[1];
        Assert.False(gap.Up);
        Assert.Contains("still unanswered", gap.Gap, StringComparison.Ordinal);
        Assert.Null(gap.Cpu);
        Assert.Null(gap.PoolThreads);
        Assert.Equal(1.0, samples[2].Cpu);

        // The report's chart data carries the gap (down, no values), so its lines break there (BrowserTests checks the drawing).
        var chartData = ChartSamples(new RunResult { Servers = [.. _sampler.Series] });
        Assert.Equal([true, false, true, true], chartData.Select(p => p.GetProperty("up").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, chartData[1].GetProperty("poolThreads").ValueKind);
        Assert.Equal(JsonValueKind.Null, chartData[1].GetProperty("cpu").ValueKind);
        Assert.Equal(2.0, chartData[1].GetProperty("t").GetDouble());
    }

    [Fact]
    public async Task TwoAnswersMillisecondsApart_GiveNoRate_TheNextSpansTheLongerWindow()
    {
        // A late answer at 2.6 s, then a prompt one at 2.627 s (seen in a real run: 6.4 cores on a two-core machine).
        await SampleAnsweredAsync(t: 0, answeredAt: 0, cpuSeconds: 0, workItems: 0);
        await SampleAnsweredAsync(t: 1, answeredAt: 2.6, cpuSeconds: 1.3, workItems: 1300);
        await SampleAnsweredAsync(t: 2.6, answeredAt: 2.627, cpuSeconds: 1.4, workItems: 1400);
        await SampleAnsweredAsync(t: 3.6, answeredAt: 3.6, cpuSeconds: 1.8, workItems: 1800);

        var samples = _sampler.Series.Single().Samples;
        Assert.Equal(0.5, samples[1].Cpu);
        Assert.Null(samples[2].Cpu);
        Assert.True(samples[2].Up, "the sample itself is kept, with its gauges");
        Assert.Equal(0.5, samples[3].Cpu); // (1.8 − 1.3) / (3.6 − 2.6)
        Assert.Equal(500, samples[3].CompletedPerSecond);
    }

    [Fact]
    public async Task AScrapeNotAnsweredInTime_IsAGap_AtWhenItGaveUp()
    {
        using var sampler = new ServerSampler(() => [("target", _server.Url)], TimeSpan.FromMilliseconds(200), TimeProvider.System);

        // The server holds every scrape it gets, so none is answered. Whether this one reached it before the
        // sampler gave up does not matter to the gap (a busy machine can take longer than 200 ms to open a
        // connection), so the test does not wait for it to arrive.
        await sampler.SampleAsync(5, CancellationToken.None);

        var sample = sampler.Series.Single().Samples.Single();
        Assert.False(sample.Up);
        Assert.StartsWith("no answer within", sample.Gap, StringComparison.Ordinal);
        Assert.True(sample.T >= 5.2, $"placed when the sampler gave up, not when it asked ({sample.T})");
        Assert.Null(sample.Cpu);
    }

    private async Task SampleAnsweredAsync(double t, double answeredAt, double cpuSeconds, double workItems)
    {
        _clock.Set(t);
        var scrape = _sampler.SampleAsync(t, CancellationToken.None);
        var held = await _server.NextScrapeAsync();
        _clock.Set(answeredAt);
        held.SetResult(HeldMetrics.Counters(cpuSeconds, workItems));
        await scrape;
    }

    private static List<JsonElement> ChartSamples(RunResult run)
    {
        var json = RunData().Match(HtmlReport.Render(run)).Groups[1].Value.Replace("<\\/", "</", StringComparison.Ordinal);
        using var data = JsonDocument.Parse(json);
        return [.. data.RootElement.GetProperty("servers")[0].GetProperty("samples").EnumerateArray().Select(e => e.Clone())];
    }

    [GeneratedRegex("<script type=\"application/json\" id=\"run-data\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex RunData();

    /// <summary>A clock that stands still until the test moves it.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Volatile.Read(ref _ticks);

        public void Set(double seconds) => Volatile.Write(ref _ticks, (long)(seconds * TimeSpan.TicksPerSecond));
    }

    /// <summary>A /metrics endpoint on a loopback port that answers each scrape only when the test releases it.</summary>
    private sealed class HeldMetrics : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly Channel<TaskCompletionSource<string>> _scrapes = Channel.CreateUnbounded<TaskCompletionSource<string>>();

        private HeldMetrics(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;

        public static async Task<HeldMetrics> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new HeldMetrics(app);
            app.MapGet("/metrics", async (CancellationToken cancellationToken) =>
            {
                var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                server._scrapes.Writer.TryWrite(answer);
                return await answer.Task.WaitAsync(cancellationToken);
            });
            await app.StartAsync();
            server.Url = new Uri(app.Urls.First() + "/metrics");
            return server;
        }

        /// <summary>The next scrape, once it has reached the server; set its result to answer it.</summary>
        public async Task<TaskCompletionSource<string>> NextScrapeAsync() =>
            await _scrapes.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        public static string Counters(double cpuSeconds, double workItems) => string.Create(CultureInfo.InvariantCulture, $$"""
            # TYPE dotnet_process_cpu_time_seconds_total counter
            dotnet_process_cpu_time_seconds_total{cpu_mode="user"} {{cpuSeconds}}
            harness_thread_pool_work_items_completed_total {{workItems}}
            harness_thread_pool_threads 12
            """);

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
