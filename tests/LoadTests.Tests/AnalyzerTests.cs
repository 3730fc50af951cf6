using Harness.Load;
using Harness.LoadTests.Analysis;

namespace LoadTests.Tests;

/// <summary>The Harness-specific analysis: where each mode's knee is, from synthetic steps.</summary>
public sealed class AnalyzerTests
{
    [Fact]
    public void Knee_IsTheLastStepBeforeThroughputFlattens_WhileP99Climbs()
    {
        var scenario = Steps((1, [10], 100), (2, [19], 100), (4, [37], 110), (8, [39], 230), (16, [40], 470));

        var knee = Analyzer.Knee(scenario, []);

        Assert.Equal(4, knee.Users);
        Assert.Equal(37, knee.RpsAtKnee);
        Assert.Equal(5, knee.Steps.Count);
        Assert.InRange(knee.P99AtKnee, 109, 111);
        Assert.InRange(knee.P99AfterKnee, 229, 231);
        Assert.Equal("sync: knee at 4 users (37 req/s; p99 110 ms → 230 ms)", Analyzer.KneeText(knee));
    }

    [Fact]
    public void Knee_IsNone_WhenThroughputFlattensWhileLatencyStaysFlat()
    {
        // A client that cannot send faster: throughput stops growing, the server's latency does not move.
        var scenario = Steps((1, [10], 100), (2, [19], 100), (4, [37], 100), (8, [39], 101), (16, [40], 102));

        var knee = Analyzer.Knee(scenario, []);

        Assert.Null(knee.Users);
        Assert.Equal(40, knee.RpsAtKnee);
        Assert.StartsWith("sync: no knee up to 16 users", Analyzer.KneeText(knee), StringComparison.Ordinal);
    }

    [Fact]
    public void Knee_PassesAFlatStepWithFlatLatency_AndStopsWhereLatencyClimbs()
    {
        var scenario = Steps((1, [10], 100), (2, [20], 100), (4, [21], 105), (8, [22], 200), (16, [22], 400));

        var knee = Analyzer.Knee(scenario, []);

        Assert.Equal(4, knee.Users);
        Assert.Equal(21, knee.RpsAtKnee);
    }

    [Fact]
    public void Knee_LeavesOutEachStepsTransition_SoASlowStartDoesNotLookFlat()
    {
        // Four 1 s intervals a step and requests of about 1.5 s: each step's first two intervals still
        // run at the previous step's rate and latency. Settled, 4 → 8 users gains 15% (not flat), and
        // 8 → 16 gains 1% while p99 doubles: the knee is at 8. Averaged with the transition, 4 → 8
        // would gain only 7.5% and look like the knee.
        var scenario = Steps(
            (4, [100, 100, 100, 100], 1500),
            (8, [100, 100, 115, 115], 2400),
            (16, [115, 115, 116, 116], 4800));
        var transitionLatencies = new[] { 1500, 1500, 2400 };
        for (int step = 1; step < 3; step++)
        {
            foreach (var interval in scenario.Intervals.Skip(step * 4).Take(2))
            {
                interval.Histogram = HistogramCodec.Encode(Build(transitionLatencies[step] * 1000L));
            }
        }

        var knee = Analyzer.Knee(scenario, []);

        Assert.Equal(115, knee.Steps[1].OkRps);
        Assert.Equal(2, knee.Steps[1].Seconds);
        Assert.Equal(8, knee.Users);
        Assert.InRange(knee.P99AtKnee, 2390, 2410);
        Assert.InRange(knee.P99AfterKnee, 4790, 4810);
    }

    [Fact]
    public void Knee_InAClosedModel_TakesAStepsRateFromItsUsersAndLatency_NotFromAnswersThatArriveInWaves()
    {
        // 2 users whose 5 s requests finish together: a wave of 2 answers every 5 s. The 15 s step
        // keeps its last 8 s (at most half is transition), which held one wave or two depending
        // on where the waves fell: counted, 0.25 or 0.5 req/s. The rate is 2 users / 5 s.
        var scenario = Steps((2, [0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 5000));
        scenario.Model = "closed";
        foreach (var interval in scenario.Intervals)
        {
            interval.Stats.Latency = new LatencySummary { Mean = interval.Stats.Ok > 0 ? 5000 : 0 };
        }

        var step = Analyzer.Knee(scenario, []).Steps.Single();

        Assert.Equal(0.4, step.OkRps);
        Assert.Equal(8, step.Seconds);
    }

    [Fact]
    public void Knee_WhenNothingFinishesInTheNextStep_SaysSo()
    {
        var scenario = Steps((1, [2, 2, 2, 2], 500), (2, [4, 4, 4, 4], 500), (4, [0, 0, 0, 0], 0));

        var knee = Analyzer.Knee(scenario, []);

        Assert.Equal(2, knee.Users);
        Assert.Equal("sync: knee at 2 users (4 req/s; p99 500 ms, then no answer within the 4-user step)", Analyzer.KneeText(knee));
    }

    [Fact]
    public void Knee_InAClosedModel_CountsTheAnswersOfAStepShorterThanItsRequests()
    {
        // 4 users and 6 s requests against a 4 s step: what finished in it started in the step
        // before, and 4 users / 6 s would be a rate the step never served. Counted: 2 in 2 s.
        var scenario = Steps((2, [4, 4, 4, 4], 500), (4, [0, 0, 1, 1], 6000));
        scenario.Model = "closed";
        foreach (var interval in scenario.Intervals)
        {
            interval.Stats.Latency = new LatencySummary { Mean = interval.Stats.Ok == 0 ? 0 : interval.LoadLevel == 4 ? 6000 : 500 };
        }

        var steps = Analyzer.Knee(scenario, []).Steps;

        Assert.Equal(4, steps[0].OkRps);
        Assert.Equal(1, steps[1].OkRps);
    }

    [Fact]
    public void Knee_LeavesOutTheDrain()
    {
        var scenario = Steps((1, [10], 100), (2, [20], 100), (4, [40], 100));
        scenario.Intervals.Add(new IntervalResult { Start = 3, Duration = 1, LoadLevel = 4, Drain = true, Stats = new StatsBlock { Ok = 2 }, Histogram = HistogramCodec.Encode(Build(900_000)) });

        var knee = Analyzer.Knee(scenario, []);

        Assert.Null(knee.Users);
        Assert.Equal(40, knee.Steps[^1].OkRps);
    }

    [Fact]
    public void Knee_IsNone_WhenThroughputKeepsGrowing()
    {
        var scenario = Steps((1, [10], 100), (2, [20], 150), (4, [40], 300));

        Assert.Null(Analyzer.Knee(scenario, []).Users);
    }

    /// <summary>A scenario with one run of 1 s intervals per step, each with the step's ok count and latency.</summary>
    private static ScenarioResult Steps(params (int Users, long[] Ok, int LatencyMs)[] steps)
    {
        var scenario = new ScenarioResult { Name = "sync", Labels = new() { ["mode"] = "sync" } };
        double t = 0;
        foreach (var (users, ok, latencyMs) in steps)
        {
            foreach (var count in ok)
            {
                scenario.Intervals.Add(new IntervalResult
                {
                    Start = t++,
                    Duration = 1,
                    LoadLevel = users,
                    Stats = new StatsBlock { Ok = count, Count = count },
                    Histogram = HistogramCodec.Encode(Build(latencyMs * 1000L)),
                });
            }
        }

        return scenario;
    }

    private static HdrHistogram.HistogramBase Build(params long[] micros)
    {
        var histogram = new HdrHistogram.LongHistogram(3_600_000_000, 3);
        foreach (var value in micros)
        {
            histogram.RecordValue(value);
        }

        return histogram;
    }
}
