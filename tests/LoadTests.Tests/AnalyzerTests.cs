using Harness.Load;
using Harness.LoadTests.Analysis;

namespace LoadTests.Tests;

/// <summary>The Harness-specific analysis: where each mode's knee is.</summary>
public sealed class AnalyzerTests
{
    [Fact]
    public void Knee_IsTheLastStepBeforeThroughputStopsGrowing()
    {
        var scenario = new ScenarioResult { Name = "sync", Labels = new() { ["mode"] = "sync" } };
        double t = 0;
        foreach (var (users, rps) in new[] { (1, 10.0), (2, 19.0), (4, 37.0), (8, 39.0), (16, 40.0) })
        {
            scenario.Intervals.Add(new IntervalResult { Start = t++, Duration = 1, LoadLevel = users, Stats = new StatsBlock { Ok = (long)rps }, Histogram = HistogramCodec.Encode(Build(1000)) });
        }

        var knee = Analyzer.Knee(scenario, []);

        Assert.Equal(4, knee.Users);
        Assert.Equal(37, knee.RpsAtKnee);
        Assert.Equal(5, knee.Steps.Count);
    }

    [Fact]
    public void Knee_IsNone_WhenThroughputKeepsGrowing()
    {
        var scenario = new ScenarioResult { Name = "async", Labels = new() { ["mode"] = "async" } };
        foreach (var (users, i) in new[] { 1, 2, 4 }.Select((u, i) => (u, i)))
        {
            scenario.Intervals.Add(new IntervalResult { Start = i, Duration = 1, LoadLevel = users, Stats = new StatsBlock { Ok = users * 10 }, Histogram = HistogramCodec.Encode(Build(1000)) });
        }

        Assert.Null(Analyzer.Knee(scenario, []).Users);
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
