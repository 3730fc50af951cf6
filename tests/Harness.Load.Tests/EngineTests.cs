using System.Collections.Concurrent;
using System.Diagnostics;
using Harness.Load;
using Harness.Testing;
using static Harness.Load.LoadSimulation;

namespace Harness.Load.Tests;

/// <summary>Each load simulation against a real local server: the planned number of requests, at the planned rate.</summary>
[Collection(EngineTiming.Name)]
public sealed class EngineTests : IAsyncLifetime
{
    private LocalServer _server = null!;
    private HttpTarget _target = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync();
        _target = new HttpTarget(_server.BaseAddress, TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        _target.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Inject_SendsThePlannedCount_EvenlyOverThePhase()
    {
        var sends = new SendTimes();
        var run = await EngineRun.RunAsync(sends.Of(_target, "inject", "/ok", new Inject(100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3))));

        var stats = run.Scenarios.Single().Stats;
        Assert.Equal(300, stats.Ok);
        Assert.Equal(300, _server.Count);

        // Evenly spaced: the last arrival is due 2.995 s after the load began, and no second holds far more than its share.
        var arrivals = sends.Seconds;
        Assert.InRange(arrivals[^1], 2.8, 3.3);
        var perSecond = arrivals.GroupBy(t => (int)t).Select(g => g.Count()).ToList();
        Assert.All(perSecond.Take(3), n => Assert.InRange(n, 80, 120));
        Assert.Equal("open", run.Scenarios.Single().Model);
    }

    [Fact]
    public async Task Inject_WithAFractionalRate_SpacesArrivalsByTheFraction()
    {
        var sends = new SendTimes();
        var run = await EngineRun.RunAsync(sends.Of(_target, "fractional", "/ok", new Inject(2.5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))));

        Assert.Equal(5, run.Scenarios.Single().Stats.Ok);
        var gaps = sends.Seconds.Zip(sends.Seconds.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, gap => Assert.InRange(gap, 0.3, 0.5));
    }

    [Fact]
    public async Task RampingInject_FromZero_SendsTheAreaUnderTheRamp_MostlyLate()
    {
        var sends = new SendTimes();
        var run = await EngineRun.RunAsync(sends.Of(_target, "ramp", "/ok", new RampingInject(100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))));

        // 0 → 100/s over 2 s: 100 requests, 25 of them in the first second (three times as many in the second).
        Assert.Equal(100, run.Scenarios.Single().Stats.Ok);
        Assert.Equal(100, _server.Count);
        var firstHalf = sends.Seconds.Count(t => t < 1.0);
        Assert.InRange(firstHalf, 15, 35);
    }

    [Fact]
    public async Task KeepConstant_KeepsExactlyThatManyUsersBusy()
    {
        var run = await EngineRun.RunAsync(EngineRun.Get(_target, "closed", "/slow?ms=20", new KeepConstant(4, TimeSpan.FromSeconds(2))));

        var scenario = run.Scenarios.Single();
        Assert.Equal(4, _server.MaxInProgress);
        Assert.InRange(scenario.Stats.Ok, 150, 400); // 4 users × 2 s / ~21 ms ≈ 380 at best
        Assert.All(scenario.Intervals.Where(i => i.Duration > 0.9), i => Assert.Equal(4, i.LoadLevel));
        Assert.Equal("closed", scenario.Model);
    }

    [Fact]
    public async Task RampingConstant_AddsUsersAlongTheRamp()
    {
        var run = await EngineRun.RunAsync(EngineRun.Get(_target, "ramp-users", "/slow?ms=20", new RampingConstant(6, TimeSpan.FromSeconds(3))));

        var levels = run.Scenarios.Single().Intervals.Where(i => i.Duration > 0.9).Select(i => i.LoadLevel).ToList();
        Assert.True(levels.Count >= 2, $"expected whole intervals, got {levels.Count}");
        Assert.Equal(levels.Order(), levels);
        Assert.True(levels[^1] > levels[0], $"users should grow along the ramp: {string.Join(", ", levels)}");
        Assert.InRange(_server.MaxInProgress, 5, 6);
    }

    [Fact]
    public async Task IterationsForConstant_RunsExactlyThatManyIterations_WithThatManyUsers()
    {
        var run = await EngineRun.RunAsync(EngineRun.Get(_target, "iterations", "/slow?ms=5", new IterationsForConstant(3, 50)));

        Assert.Equal(50, run.Scenarios.Single().Stats.Ok);
        Assert.Equal(50, _server.Count);
        Assert.Equal(3, _server.MaxInProgress);
    }

    [Fact]
    public async Task IterationsForInject_StopsAfterThatManyArrivals_AtTheRate()
    {
        var sends = new SendTimes();
        var run = await EngineRun.RunAsync(sends.Of(_target, "iterations-open", "/ok", new IterationsForInject(50, TimeSpan.FromSeconds(1), 20)));

        // The 20th is due 19.5 / 50 s = 0.39 s after the load began and cannot leave earlier; the
        // typical gap is the rate's 20 ms, which one stall does not move.
        Assert.Equal(20, run.Scenarios.Single().Stats.Ok);
        Assert.Equal(20, _server.Count);
        var seconds = sends.Seconds;
        Assert.InRange(seconds[^1], 0.37, 0.9);
        var gaps = seconds.Zip(seconds.Skip(1), (a, b) => b - a).Order().ToList();
        Assert.InRange(gaps[gaps.Count / 2], 0.010, 0.030);
    }

    [Fact]
    public async Task Pause_DelaysTheNextPhase()
    {
        var started = DateTimeOffset.UtcNow;
        var run = await EngineRun.RunAsync(EngineRun.Get(_target, "paused", "/ok", new Pause(TimeSpan.FromSeconds(1)), new Inject(10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))));

        Assert.Equal(10, run.Scenarios.Single().Stats.Ok);
        Assert.True(run.FinishedAt - started >= TimeSpan.FromSeconds(1.9), "the pause and the phase after it both last their length");
    }

    [Fact]
    public async Task WarmUp_IsRunButNotCounted()
    {
        var scenario = EngineRun.Get(_target, "warm", "/ok", new Inject(50, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))) with { WarmUp = TimeSpan.FromSeconds(1) };

        var run = await EngineRun.RunAsync(scenario);

        var result = run.Scenarios.Single();
        Assert.Equal(50, result.Stats.Ok);
        Assert.InRange(result.WarmUpCount, 45, 50);
        Assert.InRange(_server.Count, 95, 100);
    }

    [Fact]
    public async Task OpenModel_AtTheInFlightCap_DropsAndCountsArrivals_InsteadOfQueueing()
    {
        var scenario = EngineRun.Get(_target, "capped", "/slow?ms=200", new Inject(100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))) with { MaxInFlight = 5 };

        var run = await EngineRun.RunAsync(scenario);

        var stats = run.Scenarios.Single().Stats;
        Assert.True(_server.MaxInProgress <= 5, $"at most 5 in progress, saw {_server.MaxInProgress}");
        Assert.Equal(100, stats.Count + stats.Dropped);
        Assert.InRange(stats.Dropped, 60, 95);
    }

    [Fact]
    public async Task ScenariosInDifferentGroups_RunAtTheSameTime_AndInOneGroup_OneAfterTheOther()
    {
        ScenarioProps Make(string name, string group) =>
            EngineRun.Get(_target, name, "/ok", new Inject(20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))) with { Group = group };

        var together = await EngineRun.RunAsync(Make("a", "a"), Make("b", "b"));
        var inTurn = await EngineRun.RunAsync(Make("c", "same"), Make("d", "same"));

        Assert.True(Math.Abs(together.Scenarios[0].Start - together.Scenarios[1].Start) < 0.5, "different groups start together");
        Assert.True(inTurn.Scenarios[1].Start >= inTurn.Scenarios[0].End - 0.05, "one group runs its scenarios in turn");
        Assert.All(together.Scenarios.Concat(inTurn.Scenarios), s => Assert.Equal(20, s.Stats.Ok));
    }

    [Fact]
    public async Task RequestsThatOutliveTheLoad_FinishInDrainIntervals_AtLoadZero_AndRatesAreOverTheLoadWindow()
    {
        // 4 users for 2 s with 1.5 s requests: 4 answers inside the load (at ~1.5 s) and 4 after it (at ~3 s).
        // The warm-up opens the connections, so the first answers are not late by a connection's set-up.
        var scenario = EngineRun.Get(_target, "outlived", "/slow?ms=1500", new KeepConstant(4, TimeSpan.FromSeconds(2))) with { WarmUp = TimeSpan.FromSeconds(1) };
        var run = await EngineRun.RunAsync(scenario);

        var result = run.Scenarios.Single();
        var load = result.Intervals.TakeWhile(i => !i.Drain).ToList();
        var drain = result.Intervals.Skip(load.Count).ToList();
        Assert.NotEmpty(drain);
        Assert.All(drain, i => Assert.True(i.Drain && i.LoadLevel == 0, $"interval at {i.Start} s after the load: drain={i.Drain}, load {i.LoadLevel}"));
        Assert.All(load, i => Assert.Equal(4, i.LoadLevel));
        Assert.Equal(4, load.Sum(i => i.Stats.Ok));
        Assert.Equal(4, drain.Sum(i => i.Stats.Ok));
        Assert.Equal(4, result.DrainCount);

        // The drain starts where the load's last interval ends: no interval holds both.
        Assert.Equal(load[^1].Start + load[^1].Duration, drain[0].Start, 0.002);
        Assert.InRange(load.Sum(i => i.Duration), 1.9, 2.4);
        Assert.InRange(result.DrainSeconds, 0.7, 1.6);

        // 8 requests sent in the ~2 s of load: ~4/s. Over the whole window with the drain it would be ~2.7/s.
        var loadSeconds = result.End - result.Start - result.DrainSeconds;
        Assert.Equal(8, result.Stats.Ok);
        Assert.Equal(8 / loadSeconds, result.Stats.OkRps, 0.05);
        Assert.InRange(result.Stats.OkRps, 3.4, 4.2);
    }

    [Fact]
    public async Task FailedSteps_AreCountedByStatusAndKind()
    {
        using var nowhere = new HttpTarget(new Uri("http://127.0.0.1:1/"), TimeSpan.FromSeconds(5));

        var run = await EngineRun.RunAsync(
            EngineRun.Get(_target, "missing", "/no-such-route", new IterationsForConstant(1, 5)),
            EngineRun.Get(nowhere, "refused", "/", new IterationsForConstant(1, 5)));

        var missing = run.Scenarios.Single(s => s.Name == "missing").Stats;
        Assert.Equal(5, missing.Fail);
        Assert.Equal(5, missing.StatusCodes["404"]);
        Assert.Equal(5, missing.Errors["http_404"]);
        var refused = run.Scenarios.Single(s => s.Name == "refused").Stats;
        Assert.Equal(5, refused.Errors[ErrorKinds.Refused]);
        Assert.Equal(1.0, refused.FailRate);
    }

    /// <summary>
    /// When the engine started each request, in seconds after the scenario's load began: the schedule
    /// itself. The server's arrival times are not: in a cold process the first request spends
    /// ~0.4 s in JIT and connection set-up and every request due meanwhile arrives with it.
    /// </summary>
    private sealed class SendTimes
    {
        private readonly ConcurrentQueue<long> _sends = new();
        private long _loadStart;

        public IReadOnlyList<double> Seconds => [.. _sends.Select(t => (t - _loadStart) / (double)Stopwatch.Frequency).Order()];

        public ScenarioProps Of(HttpTarget target, string name, string path, params LoadSimulation[] simulations)
        {
            var get = target.Get(path);
            return Scenario.Create(name, context =>
                {
                    _sends.Enqueue(Stopwatch.GetTimestamp());
                    return get(context);
                })
                .WithInit(_ =>
                {
                    _loadStart = Stopwatch.GetTimestamp();
                    return Task.CompletedTask;
                })
                .WithLoadSimulations(simulations);
        }
    }
}

/// <summary>Tests whose rates and wall-clock bounds would suffer from sharing the two cores with each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineTiming
{
    public const string Name = "Engine timing (runs alone)";
}
