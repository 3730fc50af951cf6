using System.Diagnostics.Metrics;

namespace Harness.Load.Tests;

/// <summary>The engine's Prometheus latency is a histogram fed from each interval's HDR histogram, so generators' series add up.</summary>
public sealed class LoadMetricsTests
{
    [Fact]
    public void EveryOkRequestOfAnInterval_LandsInTheLatencyHistogram_WithItsValue_AndTheBucketsAreDenseFromHalfASecondToTen()
    {
        var interval = HistogramCodec.NewHistogram();
        interval.RecordValueWithCount(700_000, 99);
        interval.RecordValue(9_000_000);
        var seen = new List<(double Seconds, string? Scenario)>();
        IReadOnlyList<double>? boundaries = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LoadMetrics.MeterName && instrument.Name == "harness.load.latency")
            {
                boundaries = ((Histogram<double>)instrument).Advice?.HistogramBucketBoundaries;
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) => seen.Add((value, tags[0].Value as string)));
        listener.Start();
        using var metrics = new LoadMetrics();

        metrics.OnTick(new RunTick(1, null, [new ScenarioTick("async", new IntervalResult { Histogram = HistogramCodec.Encode(interval), Stats = new StatsBlock { Ok = 100 } }, 100, 0, 10, 0, false)], new GeneratorSample()));

        Assert.Equal(100, seen.Count);
        Assert.All(seen, s => Assert.Equal("async", s.Scenario));
        Assert.Equal(99, seen.Count(s => s.Seconds is >= 0.7 and < 0.701));
        Assert.Single(seen, s => s.Seconds is >= 9 and < 9.01);
        Assert.NotNull(boundaries);
        Assert.True(boundaries!.Count(b => b is >= 0.5 and <= 10) >= 15, "fewer than 15 buckets between 0.5 s and 10 s");
        Assert.Equal(120, boundaries!.Max());
    }
}
