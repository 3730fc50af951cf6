namespace Harness.Load.Tests;

public sealed class UnitTests
{
    [Theory]
    [InlineData("p99 < 1.5s", null, "p99", "<", 1500)]
    [InlineData("fail_rate < 1%", null, "fail_rate", "<", 0.01)]
    [InlineData("async: rps > 900", "async", "rps", ">", 900)]
    [InlineData("p99.9<=250ms", null, "p99.9", "<=", 250)]
    [InlineData("sync_over_async : mean >= 2 s", "sync_over_async", "mean", ">=", 2000)]
    public void Threshold_ParsesWhatPeopleWrite(string text, string? scenario, string metric, string op, double value)
    {
        var threshold = Threshold.Parse(text);

        Assert.Equal(scenario, threshold.Scenario);
        Assert.Equal(metric, threshold.Metric);
        Assert.Equal(op, threshold.Operator);
        Assert.Equal(value, threshold.Value, 9);
    }

    [Theory]
    [InlineData("p99 <")]
    [InlineData("p99 < 1.5 parsecs")]
    [InlineData("fail_rate < 1s")]
    [InlineData("speed > 3")]
    [InlineData("")]
    public void Threshold_RefusesWhatItCannotCheck(string text) =>
        Assert.Throws<ConfigurationException>(() => Threshold.Parse(text));

    [Fact]
    public void Threshold_ReadsTheStats()
    {
        var stats = new StatsBlock { Count = 200, Ok = 196, Fail = 2, Dropped = 2, Rps = 100, Latency = new LatencySummary { P99 = 1200 } };

        Assert.False(Threshold.Parse("p99 < 1s").Holds(Threshold.Parse("p99 < 1s").Read(stats)));
        Assert.True(Threshold.Parse("p99 < 1.5s").Holds(1200));
        Assert.Equal(4 / 202.0, Threshold.Parse("fail_rate < 1%").Read(stats), 9);
        Assert.False(Threshold.Parse("fail_rate < 1%").Holds(Threshold.Parse("fail_rate < 1%").Read(stats)));
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("10s", 10)]
    [InlineData("2m", 120)]
    [InlineData("1.5h", 5400)]
    [InlineData("00:01:30", 90)]
    [InlineData("3", 3)]
    public void Durations_ParseWhatPeopleWrite(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds, 6);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("10 parsecs")]
    public void Durations_RefuseNonsense(string text) => Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public void HistogramCodec_RoundTrips()
    {
        var histogram = HistogramCodec.Decode(HistogramCodec.Encode(Build(1000, 2000, 3000, 1_000_000)));

        Assert.Equal(4, histogram.TotalCount);
        Assert.InRange(histogram.GetValueAtPercentile(100), 999_000, 1_001_000);
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
