namespace Harness.Load.Tests;

/// <summary>What the merge does with figures that segments keep only as summaries: failure latency and schedule lag.</summary>
public sealed class RunMergeTests
{
    [Fact]
    public void FailureLatency_MinMaxAndMeanAreTheWholes_PercentilesTheHighestSegments_AndTheRunSaysTheyAreBounds()
    {
        // Two failures of 10 ms on one generator, two of 20 ms on the other: the whole is 10, 10, 20, 20.
        var merged = RunMerge.Merge([Segment(1, Failures(10, 2)), Segment(2, Failures(20, 2))], ["one", "two"]);

        var fail = merged.Scenarios.Single().Stats.FailLatency!;
        Assert.Equal((10, 20), (fail.Min, fail.Max));
        Assert.Equal(15, fail.Mean);
        Assert.Equal(5, fail.StdDev);
        Assert.Equal(20, fail.P50); // the whole's p50 is 10: the highest segment's is a bound above it
        Assert.Equal(20, fail.P99);
        Assert.Equal(4, merged.Scenarios.Single().Stats.Fail);
        Assert.Contains("failure latency, schedule lag", merged.Settings[RunMerge.BoundsSetting], StringComparison.Ordinal);
        Assert.Contains("upper bounds", merged.Settings[RunMerge.BoundsSetting], StringComparison.Ordinal);
    }

    [Fact]
    public void ScheduleLag_P99IsNeverBelowAnySegments_SoALagThresholdFailsWhenOneGeneratorLagged()
    {
        var calm = Failures(1, 0);
        calm.ScheduleLag = Lag(p99: 2, count: 900);
        var lagging = Failures(1, 0);
        lagging.ScheduleLag = Lag(p99: 400, count: 100);

        var merged = RunMerge.Merge([Segment(1, calm), Segment(2, lagging)], ["calm", "lagging"], [Threshold.Parse("lag_p99 < 50ms")]);

        Assert.Equal(400, merged.Scenarios.Single().Stats.ScheduleLag!.P99);
        Assert.False(Assert.Single(merged.Thresholds).Passed);
        Assert.Equal(1, merged.ExitCode);
    }

    private static StatsBlock Failures(double ms, long count) => new()
    {
        Count = count,
        Fail = count,
        FailLatency = count == 0 ? null : new LatencySummary { Min = ms, Mean = ms, Max = ms, StdDev = 0, P50 = ms, P75 = ms, P90 = ms, P95 = ms, P99 = ms, P999 = ms },
        Errors = count == 0 ? [] : new() { ["http_500"] = count },
    };

    private static LatencySummary Lag(double p99, long count) => new() { Min = 0.01, Mean = p99 / 4, Max = p99 * 1.5, P50 = p99 / 4, P75 = p99 / 2, P90 = p99 / 2, P95 = p99 / 2, P99 = p99, P999 = p99 };

    private static RunResult Segment(int index, StatsBlock stats) => new()
    {
        Suite = "custom",
        RunId = "run",
        Segment = new Segment(index, 2),
        StartedAt = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero),
        FinishedAt = new DateTimeOffset(2026, 12, 3, 12, 0, 10, TimeSpan.Zero),
        Completed = true,
        Settings = new() { ["interval"] = "1s" },
        Scenarios = [new ScenarioResult { Name = "s", Start = 0, End = 10, Stats = stats, Intervals = [new IntervalResult { Start = 0, Duration = 10, Stats = stats }] }],
    };
}
