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

        // Evenly spaced: arrival k is due (k − ½) / 100 s after the load began, the last at 2.995 s. A scheduler
        // that sent each second's hundred at once, or ran fast, sends early; one that ran slow falls behind.
        // (Counting sends per second instead broke on a busy machine: one 200 ms stall across a second's
        // boundary moves 20 sends into the next, yet a burst at each second's start shows 100 in each.)
        AssertSentOnSchedule(sends, k => (k - 0.5) / 100, medianMs: 10);
        Assert.Equal("open", run.Scenarios.Single().Model);
    }

    [Fact]
    public async Task Inject_WithAFractionalRate_SpacesArrivalsByTheFraction()
    {
        var sends = new SendTimes();
        var run = await EngineRun.RunAsync(sends.Of(_target, "fractional", "/ok", new Inject(2.5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))));

        // Due at 0.2, 0.6, 1.0, 1.4 and 1.8 s. One send 100 ms late moved two gaps out of a 0.3–0.5 s window;
        // against the due times it is one late send of five. A rate of 2/s or 3/s (0.5 or 0.33 s apart) is
        // 200 or 133 ms off at the median, and 3/s sends the fifth 0.3 s early.
        Assert.Equal(5, run.Scenarios.Single().Stats.Ok);
        AssertSentOnSchedule(sends, k => (k - 0.5) / 2.5, medianMs: 50);
    }

    [Fact]
    public async Task RampingInject_FromZero_SendsTheAreaUnderTheRamp_MostlyLate()
    {
        var sends = new SendTimes();
        var run = await EngineRun.RunAsync(sends.Of(_target, "ramp", "/ok", new RampingInject(100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))));

        // 0 → 100/s over 2 s: 100 requests, 25 of them in the first second (three times as many in the second).
        // Arrival k is due where the area under the ramp reaches k − ½: √(k − ½) / 5 s. Nothing leaves early,
        // so at most 25 leave in the first second, whatever the machine; a flat 50/s would send 50 there and a
        // falling ramp 75, both early. Sends a stall holds up leave later, and only fewer fall in the first second.
        Assert.Equal(100, run.Scenarios.Single().Stats.Ok);
        Assert.Equal(100, _server.Count);
        AssertSentOnSchedule(sends, k => Math.Sqrt(k - 0.5) / 5, medianMs: 10);
        Assert.InRange(sends.Seconds.Count(t => t < 1.0), 0, 25);
    }

    [Fact]
    public async Task KeepConstant_KeepsExactlyThatManyUsersBusy()
    {
        var run = await EngineRun.RunAsync(EngineRun.Get(_target, "closed", "/slow?ms=20", new KeepConstant(4, TimeSpan.FromSeconds(2))));

        var scenario = run.Scenarios.Single();
        Assert.Equal(4, _server.MaxInProgress);
        Assert.Equal(_server.Count, scenario.Stats.Ok);

        // Busy all along, by Little's law within this run: each user sends again as soon as its answer is in, so
        // the users' latencies add up to 4 × the load's length, however slow the machine makes each request (a
        // count of answers, ~380 here, fell to 48 on CI's busy machine in a test of the same shape). The 0.8
        // allows for each user's first send leaving late; one user gives 0.25 of it, a think time as long as
        // a request 0.5. Each user's requests follow one another inside the measured window, so no more than 4 × it.
        var busy = scenario.Stats.Ok * scenario.Stats.Latency.Mean / 1000;
        var loadSeconds = scenario.End - scenario.Start - scenario.DrainSeconds;
        Assert.InRange(busy, 0.8 * 4 * loadSeconds, 1.01 * 4 * (scenario.End - scenario.Start));
        Assert.True(scenario.Stats.Ok >= 8, $"{scenario.Stats.Ok} answers"); // a sanity floor: the claim is the busy time
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

        // Arrival k is due (k − ½) / 50 s after the load began, the 20th at 0.39 s: sent all at once or too
        // fast they leave early, too slow they fall behind. (The median gap between sends broke instead when
        // one stall bunched ten of them together; a late scheduler thread broke a ceiling on the last send.)
        Assert.Equal(20, run.Scenarios.Single().Stats.Ok);
        Assert.Equal(20, _server.Count);
        AssertSentOnSchedule(sends, k => (k - 0.5) / 50, medianMs: 10);
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
        // The warm-up ran (one skipped gives 0), and it cannot send more than the 50 due in its second. How many
        // left before it was cut off depends on how soon the scheduler's thread started and whether it stalled
        // across the cut (45–50 was asked for, and broke on a busy machine): the server saw exactly those and the 50.
        Assert.Equal(50, result.Stats.Ok);
        Assert.InRange(result.WarmUpCount, 1, 50);
        Assert.Equal(50 + result.WarmUpCount, _server.Count);
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

        // Each looping user has one request out when the load ends, however late the answers come: 4 in the
        // drain. The rest (4 on a quiet machine; none if the first answers come after the load) are the load's.
        // A split in the wrong place puts 0 or 8 in the drain.
        Assert.Equal(4, result.DrainCount);
        Assert.Equal(result.DrainCount, drain.Sum(i => i.Stats.Ok));
        Assert.Equal(result.Stats.Ok - result.DrainCount, load.Sum(i => i.Stats.Ok));
        Assert.Equal(_server.Count, result.WarmUpCount + result.Stats.Ok);

        // The drain starts where the load's last interval ends: no interval holds both.
        var loadEnd = load[^1].Start + load[^1].Duration;
        Assert.Equal(loadEnd, drain[0].Start, 0.002);

        // The load lasts its 2 s plus however late the phase loop wakes (2.0–2.06 s on a quiet machine). One
        // that waited for the answers out at its end would last until the second ones: each leaves after a
        // 1.5 s answer and takes 1.5 s, so ≥ 3 s. The drain runs to the last answer (~1 s), well short of the
        // 5 s DrainTimeout that a drain waiting for nothing would run to.
        Assert.InRange(load.Sum(i => i.Duration), 1.9, 2.9);
        Assert.Equal(result.End - loadEnd, result.DrainSeconds, 0.003);
        Assert.InRange(result.DrainSeconds, 0, 4);

        // Rates are over the load window (from the intervals, not the drain figure): 8 answers over ~2 s of load
        // is ~4/s. Over the whole window with the drain it would be ~2.7/s.
        Assert.Equal(result.Stats.Ok / (loadEnd - result.Start), result.Stats.OkRps, 0.05);
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
    /// Checks each send against when it was due, <paramref name="due"/>(k) seconds after the phase began for
    /// the k-th arrival (from 1). The sends are timed from the scenario's init, which runs before the phase
    /// begins, so an engine on time can look late by the gap between the two but never early; contention
    /// makes sends late, never early. So: none early (2 ms for the clocks), and most on time: the median
    /// lateness beyond the least late send's (which bounds the gap from init) under <paramref name="medianMs"/>.
    /// A rate too high or a burst leaves early; a rate too low leaves later and later, which the median shows.
    /// </summary>
    private static void AssertSentOnSchedule(SendTimes sends, Func<int, double> due, double medianMs)
    {
        var lateness = sends.Seconds.Select((t, i) => t - due(i + 1)).ToList();
        var early = lateness.Select((late, i) => (Arrival: i + 1, Late: late)).Where(x => x.Late < -0.002).ToList();
        Assert.True(early.Count == 0, $"sent before they were due: {string.Join(", ", early.Select(x => $"#{x.Arrival} {-x.Late * 1000:F1} ms early"))}");

        var beyondBest = lateness.Select(late => late - lateness.Min()).Order().ToList();
        var median = beyondBest[beyondBest.Count / 2] * 1000;
        Assert.True(median < medianMs, $"median lateness {median:F1} ms (max {beyondBest[^1] * 1000:F0} ms) over {beyondBest.Count} sends");
    }

    /// <summary>
    /// When the engine started each request, in seconds after the scenario's init (just before the load
    /// began): the schedule itself. The server's arrival times are not: in a cold process the first request
    /// spends ~0.4 s in JIT and connection set-up and every request due meanwhile arrives with it.
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
