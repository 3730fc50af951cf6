using System.Collections.Concurrent;
using Harness.Testing;

namespace Harness.Load.Tests;

/// <summary>The code-first API against a real local server: steps measured on their own, the context, failures and exit codes.</summary>
[Collection(EngineTiming.Name)]
public sealed class StepTests : IAsyncLifetime
{
    private LocalServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync();
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<IResponse> GetAsync(string path, IScenarioContext ctx)
    {
        using var response = await _http.GetAsync(path, ctx.CancellationToken);
        return response.IsSuccessStatusCode ? Response.Ok(statusCode: (int)response.StatusCode) : Response.Fail(statusCode: (int)response.StatusCode);
    }

    [Fact]
    public async Task TwoSteps_AreEachMeasuredOnTheirOwn()
    {
        var scenario = Scenario.Create("browse", async ctx =>
        {
            await Step.Run("fast", ctx, () => GetAsync("/ok", ctx));
            await Step.Run("slow", ctx, () => GetAsync("/slow?ms=40", ctx));
            return Response.Ok();
        })
        .WithoutWarmUp()
        .WithLoadSimulations(Simulation.IterationsForConstant(copies: 2, iterations: 30));

        var result = await HarnessRunner.RegisterScenarios(scenario).WithoutReports().RunAsync();

        var browse = result.ScenarioStats.Get("browse");
        Assert.Equal(30, browse.Ok.Request.Count);
        Assert.Equal(["fast", "slow"], browse.Steps.Select(s => s.Name));
        var fast = browse.StepStats.Get("fast");
        var slow = browse.StepStats.Get("slow");
        Assert.Equal(30, fast.Ok.Request.Count);
        Assert.Equal(30, slow.Ok.Request.Count);
        Assert.Equal(30, slow.Stats.StatusCodes["200"]);
        Assert.InRange(slow.Ok.Latency.Percent50, 38, 1000);
        Assert.True(fast.Ok.Latency.Percent50 < slow.Ok.Latency.Percent50, $"fast p50 {fast.Ok.Latency.Percent50} ms, slow {slow.Ok.Latency.Percent50} ms");
        Assert.True(browse.Ok.Latency.Percent50 >= slow.Ok.Latency.Percent50, "an invocation takes at least as long as its slowest step");
        Assert.Equal(30, slow.Intervals.Sum(i => i.Stats.Ok));
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task FailedStep_EndsTheInvocationAsFailed_UnlessTheScenarioSaysOtherwise()
    {
        var reachedSecond = 0;
        ScenarioProps Make(string name) => Scenario.Create(name, async ctx =>
        {
            await Step.Run("missing", ctx, () => GetAsync("/no-such-route", ctx));
            await Step.Run("second", ctx, () =>
            {
                Interlocked.Increment(ref reachedSecond);
                return Task.FromResult<IResponse>(Response.Ok());
            });
            return Response.Ok();
        }).WithLoadSimulations(Simulation.IterationsForConstant(1, 10));

        var restarted = await HarnessRunner.RegisterScenarios(Make("restart")).WithoutReports().RunAsync();
        Assert.Equal(0, reachedSecond);
        var stats = restarted.ScenarioStats.Get("restart");
        Assert.Equal(10, stats.Fail.Request.Count);
        Assert.Equal(10, stats.Fail.ErrorKinds["http_404"]);
        Assert.Equal(10, stats.StepStats.Get("missing").Fail.Request.Count);

        var carriedOn = await HarnessRunner.RegisterScenarios(Make("carry-on").WithRestartIterationOnFail(false)).WithoutReports().RunAsync();
        Assert.Equal(10, reachedSecond);
        Assert.Equal(10, carriedOn.ScenarioStats.Get("carry-on").Ok.Request.Count);
        Assert.Equal(10, carriedOn.ScenarioStats.Get("carry-on").StepStats.Get("second").Ok.Request.Count);
    }

    [Fact]
    public async Task ThrowingStep_IsAFailureNamedByItsKind()
    {
        var scenario = Scenario.Create("throws", async ctx =>
            await Step.Run("boom", ctx, () => throw new TimeoutException("too slow")))
            .WithLoadSimulations(Simulation.IterationsForConstant(1, 5));

        var result = await HarnessRunner.RegisterScenarios(scenario).WithoutReports().RunAsync();

        Assert.Equal(5, result.ScenarioStats.Get("throws").StepStats.Get("boom").Stats.Errors[ErrorKinds.Timeout]);
    }

    [Fact]
    public async Task ScenarioWithoutSteps_IsItsOwnOneStep()
    {
        var scenario = Scenario.Create("plain", ctx => GetAsync("/ok", ctx)).WithLoadSimulations(Simulation.IterationsForInject(50, TimeSpan.FromSeconds(1), 20));

        var result = await HarnessRunner.RegisterScenarios(scenario).WithoutReports().RunAsync();

        var plain = result.ScenarioStats.Get("plain");
        Assert.Empty(plain.Steps);
        Assert.Equal(20, plain.StepStats.Get("plain").Ok.Request.Count);
        Assert.Throws<KeyNotFoundException>(() => plain.StepStats.Get("home"));
    }

    [Fact]
    public async Task Context_NumbersUsersAndInvocations_AndKeepsEachUsersData()
    {
        var seen = new ConcurrentBag<(int User, long Invocation, string Name, int Count)>();
        var inits = new ConcurrentBag<string>();
        var cleans = new ConcurrentBag<string>();
        var scenario = Scenario.Create("ctx", ctx =>
        {
            var count = ctx.Data.TryGetValue("count", out var c) ? (int)c + 1 : 1;
            ctx.Data["count"] = count;
            seen.Add((ctx.UserNumber, ctx.InvocationNumber, ctx.ScenarioName, count));
            ctx.Logger.LogNothingWhenNull();
            return Task.FromResult<IResponse>(Response.Ok());
        })
        .WithInit(init => { inits.Add(init.ScenarioName); return Task.CompletedTask; })
        .WithClean(clean => { cleans.Add(clean.ScenarioName); return Task.CompletedTask; })
        .WithLoadSimulations(Simulation.IterationsForConstant(copies: 3, iterations: 60));

        await HarnessRunner.RegisterScenarios(scenario).WithoutReports().RunAsync();

        Assert.Equal(["ctx"], inits);
        Assert.Equal(["ctx"], cleans);
        Assert.Equal(60, seen.Count);
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), seen.Select(s => s.Invocation).Order());
        Assert.All(seen, s => Assert.Equal("ctx", s.Name));
        var users = seen.GroupBy(s => s.User).ToList();
        Assert.InRange(users.Count, 1, 3);
        Assert.All(users, user => Assert.Equal(Enumerable.Range(1, user.Count()), user.Select(s => s.Count).Order()));
    }

    [Fact]
    public async Task FailingThreshold_GivesExitCodeOne_AndAHoldingOneZero()
    {
        var scenario = Scenario.Create("t", ctx => GetAsync("/slow?ms=20", ctx)).WithLoadSimulations(Simulation.IterationsForConstant(2, 20));

        var failing = await HarnessRunner.RegisterScenarios(scenario).WithThresholds("p50 < 1ms").WithoutReports().RunAsync();
        var holding = await HarnessRunner.RegisterScenarios(scenario).WithThresholds("t: fail_rate < 1%", "p99 < 10s").WithoutReports().RunAsync();

        Assert.Equal(1, failing.ExitCode);
        Assert.Contains(failing.Thresholds, t => !t.Passed && t.Expression == "p50 < 1ms");
        Assert.Equal(0, holding.ExitCode);
        Assert.All(holding.Thresholds, t => Assert.True(t.Passed));
    }

    [Fact]
    public async Task MaxFailCount_StopsTheRun_WithExitCodeOne()
    {
        var scenario = Scenario.Create("failing", _ => Task.FromResult<IResponse>(Response.Fail(statusCode: 503)))
            .WithMaxFailCount(20)
            .WithLoadSimulations(Simulation.Inject(rate: 50, interval: TimeSpan.FromSeconds(1), during: TimeSpan.FromSeconds(30)));

        var started = DateTimeOffset.UtcNow;
        var result = await HarnessRunner.RegisterScenarios(scenario).WithInterval(TimeSpan.FromMilliseconds(200)).WithoutReports().RunAsync();

        Assert.False(result.Completed);
        Assert.Contains("max fail count", result.StopReason, StringComparison.Ordinal);
        Assert.Equal(1, result.ExitCode);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(15), "stopped long before the 30 s planned");
        Assert.Equal(result.ScenarioStats.Get("failing").Fail.Request.Count, result.ScenarioStats.Get("failing").Fail.ErrorKinds["http_503"]);
    }

    [Fact]
    public async Task BadSetup_IsRefusedBeforeAnyLoad()
    {
        var noLoad = Scenario.Create("none", ctx => GetAsync("/ok", ctx));
        var fine = noLoad.WithLoadSimulations(Simulation.Inject(10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));

        var missing = await Assert.ThrowsAsync<ConfigurationException>(() => HarnessRunner.RegisterScenarios(noLoad).WithoutReports().RunAsync());
        var badRate = await Assert.ThrowsAsync<ConfigurationException>(() => HarnessRunner.RegisterScenarios(fine.WithLoadSimulations(Simulation.Inject(0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)))).WithoutReports().RunAsync());
        var unknown = await Assert.ThrowsAsync<ConfigurationException>(() => HarnessRunner.RegisterScenarios(fine).WithThresholds("other: p99 < 1s").WithoutReports().RunAsync());
        Assert.Throws<ConfigurationException>(() => HarnessRunner.RegisterScenarios(fine).WithThresholds("p99 <"));

        Assert.Contains("no load simulation", missing.Message, StringComparison.Ordinal);
        Assert.Contains("rate > 0", badRate.Message, StringComparison.Ordinal);
        Assert.Contains("'other'", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(0, _server.Count);
    }
}

internal static class LoggerChecks
{
    /// <summary>The context's logger is usable without any logging set up.</summary>
    public static void LogNothingWhenNull(this Microsoft.Extensions.Logging.ILogger logger) =>
        Microsoft.Extensions.Logging.LoggerExtensions.LogDebug(logger, "invocation");
}
