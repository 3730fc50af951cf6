using System.Globalization;

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
    [InlineData("fail_count < 5", true)]
    [InlineData("fail_count <= 5", true)]
    [InlineData("fail_count == 5", true)]
    [InlineData("dropped < 2", true)]
    [InlineData("count < 100", true)]
    [InlineData("count == 100", true)]
    [InlineData("max < 1s", true)]
    [InlineData("min > 100ms", true)]
    [InlineData("count > 1000", false)]
    [InlineData("count >= 1000", false)]
    [InlineData("fail_count > 20", false)]
    [InlineData("max > 5s", false)]
    [InlineData("p99 < 1s", false)]
    [InlineData("mean < 100ms", false)]
    [InlineData("fail_rate < 1%", false)]
    [InlineData("rps > 1000", false)]
    [InlineData("ok_rps > 1000", false)]
    [InlineData("late_rate < 1%", false)]
    [InlineData("lag_p99 < 1ms", false)]
    [InlineData("check:created < 1%", false)]
    public void Threshold_FailsForGoodMidRun_OnlyWhereNoLaterRequestCanUndoIt(string expression, bool forGood)
    {
        // Every threshold above fails on these totals; only counts, the maximum and the minimum read the right way cannot recover.
        var soFar = new StatsBlock
        {
            Count = 200,
            Ok = 190,
            Fail = 10,
            Dropped = 5,
            Rps = 100,
            OkRps = 95,
            Latency = new LatencySummary { Min = 50, Mean = 300, P99 = 1200, Max = 2000 },
            ScheduleLag = new LatencySummary { P99 = 5 },
            Late = 20,
            Errors = new() { ["check:created"] = 10 },
        };
        var threshold = Threshold.Parse(expression);

        Assert.False(threshold.Holds(threshold.Read(soFar)), "the premise: it fails on these totals");
        Assert.Equal(forGood, threshold.FailsForGood(soFar));
    }

    [Fact]
    public void Threshold_ThatHolds_NeverFailsForGood_NorAMinimumBeforeAnyOkRequest()
    {
        Assert.False(Threshold.Parse("fail_count < 5").FailsForGood(new StatsBlock { Count = 100, Ok = 100 }));
        Assert.False(Threshold.Parse("min > 1ms").FailsForGood(new StatsBlock { Count = 3, Fail = 3 }));
        Assert.False(Threshold.Parse("fail_count == 5").FailsForGood(new StatsBlock { Count = 3, Fail = 3 }));
    }

    [Fact]
    public void Threshold_FailRateAndFailCount_IncludeUnfinishedRequests()
    {
        var stats = new StatsBlock { Count = 96, Ok = 94, Fail = 2, Dropped = 1, Unfinished = 3 };

        Assert.Equal(6 / 100.0, Threshold.Parse("fail_rate < 1%").Read(stats), 9);
        Assert.Equal(6, Threshold.Parse("fail_count < 1").Read(stats));
        Assert.Equal(3, Threshold.Parse("unfinished == 0").Read(stats));
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

    [Theory]
    [InlineData(1.5, "1.5s")]
    [InlineData(0.2505, "250.5ms")]
    [InlineData(120, "2m")]
    public void Durations_FormatTheSameUnderADecimalCommaCulture_AndReadBack(double seconds, string expected)
    {
        // de-DE's separators on a clone: the projects run with invariant globalization, where de-DE itself is not available.
        var german = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        german.NumberFormat.NumberDecimalSeparator = ",";
        german.NumberFormat.NumberGroupSeparator = ".";
        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = german;
        try
        {
            var text = Durations.Format(TimeSpan.FromSeconds(seconds));

            Assert.Equal(expected, text);
            Assert.True(Durations.TryParse(text, out var back));
            Assert.Equal(seconds, back.TotalSeconds, 6);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

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
