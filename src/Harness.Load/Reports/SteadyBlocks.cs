using HdrHistogram;

namespace Harness.Load;

/// <summary>
/// A run's steady intervals, cut into contiguous blocks for the comparison's noise estimate (batch means).
/// Consecutive intervals are not independent: a request spans several of them and a slow patch of the
/// machine lasts seconds, so their spread over √n understates the noise. Blocks long enough that their
/// figures are nearly independent (at least three mean request durations, and the intervals' integrated
/// autocorrelation time) give a standard error that holds: the spread of the block figures
/// over √(blocks), with blocks − 1 degrees of freedom. A percentile's blocks also hold enough requests
/// for it (see <see cref="RequestsPerBlock"/>).
/// </summary>
internal sealed class SteadyBlocks
{
    /// <summary>A block spans at least this many mean request durations.</summary>
    internal const double RequestDurationsPerBlock = 3;

    private readonly Dictionary<IntervalResult, HistogramBase?> _histograms = [];

    /// <summary>For a percentile, each block holds at least this many requests above it (500 for p99), so a block's p99 is not merely its slowest request.</summary>
    internal const double RequestsBeyondPercentilePerBlock = 5;

    private int _length = 1;

    private SteadyBlocks(List<IntervalResult> intervals) => Intervals = intervals;

    public IReadOnlyList<IntervalResult> Intervals { get; }

    public static SteadyBlocks Of(ScenarioResult scenario)
    {
        var blocks = new SteadyBlocks(RunComparison.Steady(scenario).OrderBy(i => i.Start).ToList());
        blocks._length = blocks.BlockLength();
        return blocks;
    }

    /// <summary>Requests a block needs for a latency percentile to be estimated inside it, not at its edge.</summary>
    public static double RequestsPerBlock(double percentile) => RequestsBeyondPercentilePerBlock / (1 - (percentile / 100));

    /// <summary>Contiguous, near-equal blocks that together hold every steady interval, each with at least <paramref name="requestsPerBlock"/> answers on average; at least two when there are two intervals.</summary>
    public IReadOnlyList<IntervalResult[]> Cut(double requestsPerBlock = 0)
    {
        var n = Intervals.Count;
        var perInterval = n == 0 ? 0 : Intervals.Average(i => (double)i.Stats.Ok);
        var byRequests = perInterval > 0 ? (int)Math.Ceiling(requestsPerBlock / perInterval) : 1;
        var length = n < 4 ? 1 : Math.Clamp(Math.Max(_length, byRequests), 1, n / 2);
        var count = n / length;
        return [.. Enumerable.Range(0, count).Select(b => Intervals.Take((b + 1) * n / count).Skip(b * n / count).ToArray())];
    }

    /// <summary>The figure over all steady intervals, its standard error from the blocks' figures, the error's degrees of freedom, and the cut.</summary>
    public Estimate Measure(Func<SteadyBlocks, IReadOnlyList<IntervalResult>, double> figure, double requestsPerBlock = 0)
    {
        var value = figure(this, Intervals);
        var blocks = Cut(requestsPerBlock);
        var seconds = blocks.Count == 0 ? 0 : Intervals.Sum(i => i.Duration) / blocks.Count;
        if (blocks.Count < 2)
        {
            return new Estimate(value, double.NaN, 0, blocks.Count, seconds);
        }

        var perBlock = blocks.Select(b => figure(this, b)).ToList();
        var mean = perBlock.Average();
        var sd = Math.Sqrt(perBlock.Sum(v => (v - mean) * (v - mean)) / (perBlock.Count - 1));
        return new Estimate(value, sd / Math.Sqrt(perBlock.Count), perBlock.Count - 1, blocks.Count, seconds);
    }

    public static double OkRps(SteadyBlocks _, IReadOnlyList<IntervalResult> intervals)
    {
        var seconds = intervals.Sum(i => i.Duration);
        return seconds > 0 ? intervals.Sum(i => i.Stats.Ok) / seconds : 0;
    }

    public static double FailRate(SteadyBlocks _, IReadOnlyList<IntervalResult> intervals)
    {
        var planned = intervals.Sum(i => (double)(i.Stats.Count + i.Stats.Dropped + i.Stats.Unfinished));
        return planned > 0 ? intervals.Sum(i => i.Stats.FailRate * (i.Stats.Count + i.Stats.Dropped + i.Stats.Unfinished)) / planned : 0;
    }

    /// <summary>A latency percentile (ms) of the intervals' merged HDR histogram, not an average of per-interval percentiles.</summary>
    public static Func<SteadyBlocks, IReadOnlyList<IntervalResult>, double> Percentile(double percentile) =>
        (blocks, intervals) => blocks.Merged(intervals) is { TotalCount: > 0 } merged ? merged.GetValueAtPercentile(percentile) / 1000.0 : 0;

    private HistogramBase? Merged(IReadOnlyList<IntervalResult> intervals)
    {
        HistogramBase? merged = null;
        foreach (var interval in intervals)
        {
            if (Histogram(interval) is { } histogram)
            {
                merged ??= HistogramCodec.NewHistogram();
                merged.Add(histogram);
            }
        }

        return merged;
    }

    private HistogramBase? Histogram(IntervalResult interval)
    {
        if (!_histograms.TryGetValue(interval, out var histogram))
        {
            histogram = string.IsNullOrEmpty(interval.Histogram) ? null : HistogramCodec.Decode(interval.Histogram);
            _histograms[interval] = histogram;
        }

        return histogram;
    }

    /// <summary>Intervals per block: the longest of three mean request durations and the autocorrelation's reach, leaving at least two blocks.</summary>
    private int BlockLength()
    {
        var n = Intervals.Count;
        if (n < 4)
        {
            return 1;
        }

        var intervalSeconds = Median(Intervals.Select(i => i.Duration));
        var meanLatencySeconds = Merged(Intervals) is { TotalCount: > 0 } all ? all.GetMean() / 1e6 : 0;
        var byDuration = intervalSeconds > 0 ? (int)Math.Ceiling(RequestDurationsPerBlock * meanLatencySeconds / intervalSeconds) : 1;
        var byThroughput = CorrelationReach([.. Intervals.Select(i => i.Duration > 0 ? i.Stats.Ok / i.Duration : 0)]);
        var byLatency = CorrelationReach([.. Intervals.Select(i => Histogram(i) is { TotalCount: > 0 } h ? h.GetMean() : double.NaN).Where(double.IsFinite)]);
        return Math.Clamp(Math.Max(byDuration, Math.Max(byThroughput, byLatency)), 1, n / 2);
    }

    /// <summary>
    /// How many intervals the series' correlation spans: its integrated autocorrelation time,
    /// 1 + 2 Σ ρ(k), summed while the sample autocorrelation stays positive (negative correlation
    /// only narrows the noise, and past the first sign change the estimates are mostly noise).
    /// </summary>
    internal static int CorrelationReach(IReadOnlyList<double> series)
    {
        var n = series.Count;
        if (n < 4)
        {
            return 1;
        }

        var mean = series.Average();
        var variance = series.Sum(v => (v - mean) * (v - mean));
        if (variance <= 0)
        {
            return 1;
        }

        var time = 1.0;
        for (int lag = 1; lag < n / 2; lag++)
        {
            var covariance = 0.0;
            for (int i = 0; i + lag < n; i++)
            {
                covariance += (series[i] - mean) * (series[i + lag] - mean);
            }

            var rho = covariance / variance;
            if (rho <= 0)
            {
                break;
            }

            time += 2 * rho;
        }

        return (int)Math.Ceiling(time);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }
}

/// <summary>A figure of one run with its standard error (NaN when the run has fewer than two blocks) and the blocks it came from.</summary>
internal readonly record struct Estimate(double Value, double StandardError, int DegreesOfFreedom, int Blocks = 0, double BlockSeconds = 0);
