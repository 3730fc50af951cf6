using System.Diagnostics;
using Harness.Load;
using Harness.Testing;
using static Harness.Load.LoadSimulation;

namespace Harness.Load.Tests;

/// <summary>A closed step that lasts a few requests at the latency it meets, against a real local server.</summary>
[Collection(EngineTiming.Name)]
public sealed class KeepConstantUntilTests : IAsyncLifetime
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
    public async Task KeepConstantUntil_AfterLatencyJumpsFrom50To600Ms_LastsThreeSlowRequests_NotItsMinimum()
    {
        // 1 s of 50 ms requests, then every request takes 600 ms: the second step needs 3 × 2 answers, ~1.2–1.8 s, not its 200 ms.
        // It cannot end before two slow answers per user (≥ 1.2 s); late wake-ups only lengthen it, and below
        // 8 s it has not run to its 10 s cap instead.
        var run = await EngineRun.RunAsync(Jumping(600, new KeepConstant(2, TimeSpan.FromSeconds(1)), new KeepConstantUntil(2, TimeSpan.FromMilliseconds(200), 3, TimeSpan.FromSeconds(10))));

        var result = run.Scenarios.Single();
        var secondStep = LoadSeconds(result) - 1.0;
        Assert.InRange(secondStep, 1.0, 8.0);
        Assert.Equal(2, _server.MaxInProgress);
    }

    [Fact]
    public async Task KeepConstant_AfterTheSameJump_EndsAtItsDuration()
    {
        // Slow answers of 2 s here, not 600 ms, to leave room between right and wrong.
        var run = await EngineRun.RunAsync(Jumping(2000, new KeepConstant(2, TimeSpan.FromSeconds(1)), new KeepConstant(2, TimeSpan.FromMilliseconds(200))));

        // 200 ms, plus however late the phase loop wakes at the end of each step on a busy machine
        // (0.69 s seen with two other processes spinning on the two cores). Below 1.8 s it still
        // cannot have waited for a slow answer: every request sent after the jump takes ≥ 2 s, and
        // keep-constant-until's three per user ≥ 6 s; contention only lengthens those too.
        Assert.InRange(LoadSeconds(run.Scenarios.Single()) - 1.0, 0.1, 1.8);
    }

    [Fact]
    public async Task KeepConstantUntil_StopsAtItsCap_ThoughItsRequestsAreNotDone()
    {
        // Three 1.5 s requests per user would take 4.5 s; the cap ends the step at 0.8 s, plus however late the
        // phase loop wakes (1.5 s, not 600 ms, requests: with 1.8 s for the wrong value there was no room for that).
        // The warm-up opens the connections.
        var scenario = EngineRun.Get(_target, "capped", "/slow?ms=1500", new KeepConstantUntil(2, TimeSpan.FromMilliseconds(200), 3, TimeSpan.FromMilliseconds(800)))
            .WithWarmUpDuration(TimeSpan.FromMilliseconds(300));
        var run = await EngineRun.RunAsync(scenario);

        var result = run.Scenarios.Single();
        Assert.True(LoadSeconds(result) is > 0.7 and < 3.0, $"{LoadSeconds(result)} s: start {result.Start} end {result.End} drain {result.DrainSeconds} ok {result.Stats.Ok} {string.Join(" ", result.Intervals.Select(i => $"{i.Start}+{i.Duration}:{i.LoadLevel}:{i.Stats.Ok}"))}");
        Assert.True(result.Stats.Ok < 6, $"{result.Stats.Ok} answers: the cap should have ended the step before 3 per user");
    }

    [Fact]
    public void KeepConstantUntil_WithACapBelowItsMinimum_SaysWhatToChange()
    {
        Assert.Contains("max ≥ during", Simulation.KeepConstantUntil(2, TimeSpan.FromSeconds(2), 3, TimeSpan.FromSeconds(1)).Problem());
        Assert.Contains("requests ≥ 1", Simulation.KeepConstantUntil(2, TimeSpan.FromSeconds(2), 0, TimeSpan.FromSeconds(3)).Problem());
        Assert.Null(Simulation.KeepConstantUntil(2, TimeSpan.FromSeconds(2), 3, TimeSpan.FromSeconds(3)).Problem());
    }

    private static double LoadSeconds(ScenarioResult result) => result.End - result.Start - result.DrainSeconds;

    /// <summary>
    /// Requests started within a second of the scenario's init take 50 ms, later ones <paramref name="slowMs"/>. The clock starts at init,
    /// which runs before the load starts, so no fast request can fall into the second step. (Started at the first
    /// request instead, the jump came late by however long that request took to be sent, and on a busy CI machine
    /// the second step saw fast answers and ended after 0.68 s.)
    /// </summary>
    private ScenarioProps Jumping(int slowMs, params LoadSimulation[] simulations)
    {
        var fast = _target.Get("/slow?ms=50");
        var slow = _target.Get($"/slow?ms={slowMs}");
        long initAt = 0;
        return Scenario.Create("jump", ctx => Stopwatch.GetElapsedTime(Interlocked.Read(ref initAt)) < TimeSpan.FromSeconds(1) ? fast(ctx) : slow(ctx))
            .WithInit(_ =>
            {
                Interlocked.Exchange(ref initAt, Stopwatch.GetTimestamp());
                return Task.CompletedTask;
            })
            .WithoutWarmUp().WithLoadSimulations(simulations);
    }
}
