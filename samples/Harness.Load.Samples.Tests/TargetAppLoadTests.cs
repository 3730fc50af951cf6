using Harness.Hosting;
using Harness.Testing;

namespace Harness.Load.Samples.Tests;

/// <summary>
/// Load tests as xunit tests: a TargetApp started for the class, a scenario of two steps against
/// it, and assertions on the stats the runner returns, thresholds included.
/// </summary>
[Collection(LoadRuns.Name)]
public sealed class TargetAppLoadTests : IAsyncLifetime
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), "harness-samples-" + Guid.NewGuid().ToString("N"));
    private ServiceProcess _targetApp = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _targetApp = await Children.StartTargetAppAsync("target");
        _http = new HttpClient { BaseAddress = _targetApp.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _targetApp.DisposeAsync();
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }

    /// <summary>The downstream's delay: long beside what a busy machine adds to a request, so the steps' timings tell one call from three.</summary>
    private const int CallMs = 100;

    /// <summary>Two steps per visit: the slow downstream, then an aggregation fanning out to it three times at once.</summary>
    private ScenarioProps Visit() => Scenario.Create("visit", async ctx =>
    {
        var single = await Step.Run("single", ctx, () => GetAsync($"/api/?delay_ms={CallMs}", ctx));
        if (single.IsError)
        {
            return single;
        }

        return await Step.Run("fan-out", ctx, () => GetAsync($"/api/aggregated/?n=3&delay_ms={CallMs}", ctx));
    })
    .WithWarmUpDuration(TimeSpan.FromSeconds(1))
    .WithLoadSimulations(Simulation.Inject(rate: 30, interval: TimeSpan.FromSeconds(1), during: TimeSpan.FromSeconds(3)));

    private async Task<IResponse> GetAsync(string path, IScenarioContext ctx)
    {
        using var response = await _http.GetAsync(path, ctx.CancellationToken);
        return response.IsSuccessStatusCode ? Response.Ok(statusCode: (int)response.StatusCode) : Response.Fail(statusCode: (int)response.StatusCode);
    }

    [Fact]
    public async Task Visit_AgainstTargetApp_HoldsItsThresholds_AndEachStepIsMeasured()
    {
        var result = await HarnessRunner.RegisterScenarios(Visit())
            .WithReportFolder(_reports)
            .WithThresholds("fail_rate < 1%", "visit: p99 < 3s")
            .WithServerMetrics(new Uri(_targetApp.BaseAddress, "/metrics").ToString())
            .RunAsync();

        Assert.Equal(0, result.ExitCode);
        var visit = result.ScenarioStats.Get("visit");
        Assert.Equal(90, visit.Ok.Request.Count);
        Assert.Equal(0, visit.Fail.Request.Count);
        var single = visit.StepStats.Get("single");
        var fanOut = visit.StepStats.Get("fan-out");
        Assert.Equal(90, single.Ok.Request.Count);
        Assert.Equal(90, fanOut.Ok.Request.Count);

        // Each step waits for at least the downstream's 100 ms; the three calls of the fan-out run
        // at once, so it takes about one call's time, not three (which one after another would:
        // 200 ms more than the single call). The difference of the medians is judged, not their
        // ratio: what a busy machine adds to every request cancels out, and 100 ms lies halfway
        // between overlapping calls (about 0) and calls in a row (200 ms).
        Assert.InRange(single.Ok.Latency.Percent50, CallMs - 1, 3000);
        Assert.InRange(fanOut.Ok.Latency.Percent50, CallMs - 1, 3000);
        Assert.True(fanOut.Ok.Latency.Percent50 - single.Ok.Latency.Percent50 < CallMs,
            $"fan-out p50 {fanOut.Ok.Latency.Percent50} ms against one call's {single.Ok.Latency.Percent50} ms: the calls should overlap");
        Assert.Contains(result.Servers, s => s.Samples.Any(p => p.Up && p.PoolThreads > 0));
        Assert.True(File.Exists(Path.Combine(result.ReportFolder!, "index.html")));
    }

    [Fact]
    public async Task ThresholdThatCannotHold_FailsTheRun_WithExitCodeOne()
    {
        // Nothing answers in under a microsecond: this is how a broken expectation shows up in CI.
        var result = await HarnessRunner.RegisterScenarios(Visit().WithoutWarmUp())
            .WithoutReports()
            .WithThresholds("visit: p50 < 0.001ms")
            .RunAsync();

        Assert.Equal(1, result.ExitCode);
        var failed = Assert.Single(result.Thresholds, t => !t.Passed);
        Assert.Equal("visit", failed.Scenario);
        Assert.True(failed.Actual >= CallMs, $"the p50 the threshold read was {failed.Actual} ms");
    }
}

/// <summary>Load runs measure time: they run one at a time, not beside each other on the two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadRuns
{
    public const string Name = "Load runs (one at a time)";
}
