using System.Text.Json;
using Harness.Testing;
using static Harness.Load.LoadSimulation;

namespace Harness.Load.Tests;

/// <summary>
/// Requests a server never answers are cancelled at the run's end: they must not vanish from the
/// figures, or a run whose slowest requests never finished would look better than it was.
/// </summary>
[Collection(EngineTiming.Name)]
public sealed class UnfinishedRequestTests
{
    [Fact]
    public async Task RequestsTheServerNeverAnswers_AreUnfinished_WithHowLongTheyWaited_AndFailTheirThresholds()
    {
        await using var server = await LocalServer.StartAsync();
        using var target = new HttpTarget(server.BaseAddress, TimeSpan.FromSeconds(120));
        var ok = target.Get("/ok");
        var stuck = target.Get("/slow?ms=120000");
        var scenario = Scenario.Create("every-fourth-stuck", context => context.InvocationNumber % 4 == 0 ? stuck(context) : ok(context))
            .WithLoadSimulations(new Inject(40, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        // Long enough that every /ok answers in it on a busy machine too (the last leaves ~40 ms before the load
        // ends); the stuck ones wait it out whatever its length.
        var drain = TimeSpan.FromSeconds(2);

        var run = await EngineRun.RunAsync(
            new EngineSettings { DrainTimeout = drain },
            [Threshold.Parse("fail_rate < 1%"), Threshold.Parse("unfinished == 0"), Threshold.Parse("fail_count < 1")],
            scenario);

        var stats = run.Scenarios.Single().Stats;
        Assert.Equal(30, stats.Ok);
        Assert.Equal(10, stats.Unfinished);
        Assert.Equal(0.25, stats.FailRate, 9);

        // The last stuck request was due about 12 ms before the load ended, then waited out the drain.
        var waited = Assert.IsType<LatencySummary>(stats.UnfinishedElapsed);
        Assert.InRange(waited.Min, drain.TotalMilliseconds * 0.9, 10_000);
        Assert.InRange(waited.Max, waited.Min + 500, 10_000); // the first one was due ~0.9 s before the last
        Assert.Equal(10, run.Scenarios.Single().Intervals.Sum(i => i.Stats.Unfinished));

        Assert.All(run.Thresholds, t => Assert.False(t.Passed, $"{t.Expression} should fail with 10 of 40 requests unfinished (was {t.Actual})"));
        Assert.Contains("\"unfinishedElapsed\"", JsonSerializer.Serialize(run, ReportWriter.Json), StringComparison.Ordinal);
    }
}
