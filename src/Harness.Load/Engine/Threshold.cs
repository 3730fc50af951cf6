using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Load;

/// <summary>
/// A pass/fail condition on a scenario's figures, written as people say it:
/// <c>p99 &lt; 1.5s</c>, <c>fail_rate &lt; 1%</c>, <c>rps &gt; 900</c>, optionally for one scenario:
/// <c>async: p99 &lt; 1.5s</c>. <c>check:&lt;name&gt;</c> is the share of requests that failed
/// the check of that name (<c>check:created &lt; 1%</c>).
/// </summary>
public sealed partial record Threshold(string? Scenario, string Metric, string Operator, double Value, string Expression)
{
    public static readonly IReadOnlyList<string> Metrics =
        ["p50", "p75", "p90", "p95", "p99", "p99.9", "mean", "max", "min", "rps", "ok_rps", "fail_rate", "fail_count", "count", "dropped", "unfinished", "late_rate", "lag_p99"];

    private static readonly HashSet<string> LatencyMetrics = ["p50", "p75", "p90", "p95", "p99", "p99.9", "mean", "max", "min", "lag_p99"];

    public static Threshold Parse(string text)
    {
        var match = Pattern().Match(text.Trim());
        if (!match.Success)
        {
            throw new ConfigurationException(
                $"Threshold '{text}' is not understood. Write '<metric> <op> <value>[unit]', optionally after '<scenario>:', " +
                $"e.g. 'p99 < 1.5s', 'fail_rate < 1%', 'async: rps > 900'. Metrics: {string.Join(", ", Metrics)}.");
        }

        var metric = match.Groups["metric"].Value;
        metric = metric.StartsWith("check:", StringComparison.OrdinalIgnoreCase) ? "check:" + metric[(metric.IndexOf(':') + 1)..].Trim() : metric.ToLowerInvariant();
        if (!Metrics.Contains(metric) && !metric.StartsWith("check:", StringComparison.Ordinal))
        {
            throw new ConfigurationException($"Threshold '{text}': unknown metric '{metric}'. Known: {string.Join(", ", Metrics)}.");
        }

        var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups["unit"].Value.ToLowerInvariant();
        value = (unit, LatencyMetrics.Contains(metric)) switch
        {
            ("s", true) => value * 1000,
            ("ms" or "", true) => value,
            ("us" or "µs", true) => value / 1000,
            ("%", false) when metric is "fail_rate" or "late_rate" || metric.StartsWith("check:", StringComparison.Ordinal) => value / 100,
            ("", false) => value,
            _ => throw new ConfigurationException($"Threshold '{text}': unit '{unit}' does not fit {metric} (latencies take ms/s, rates take %)."),
        };

        var scenario = match.Groups["scenario"].Success ? match.Groups["scenario"].Value.Trim() : null;
        return new Threshold(scenario, metric, match.Groups["op"].Value, value, text.Trim());
    }

    public bool AppliesTo(string scenario) => Scenario is null || string.Equals(Scenario, scenario, StringComparison.OrdinalIgnoreCase);

    /// <summary>The figure this threshold reads (latencies in ms, rates as fractions).</summary>
    public double Read(StatsBlock stats) => Metric switch
    {
        "p50" => stats.Latency.P50,
        "p75" => stats.Latency.P75,
        "p90" => stats.Latency.P90,
        "p95" => stats.Latency.P95,
        "p99" => stats.Latency.P99,
        "p99.9" => stats.Latency.P999,
        "mean" => stats.Latency.Mean,
        "max" => stats.Latency.Max,
        "min" => stats.Latency.Min,
        "rps" => stats.Rps,
        "ok_rps" => stats.OkRps,
        "fail_rate" => stats.FailRate,
        "fail_count" => stats.Fail + stats.Dropped + stats.Unfinished,
        "count" => stats.Count,
        "dropped" => stats.Dropped,
        "unfinished" => stats.Unfinished,
        "late_rate" => stats.Count == 0 ? 0 : (double)stats.Late / stats.Count,
        "lag_p99" => stats.ScheduleLag?.P99 ?? 0,
        _ when Metric.StartsWith("check:", StringComparison.Ordinal) => stats.Count == 0 ? 0 : (double)stats.Errors.GetValueOrDefault(Metric) / stats.Count,
        _ => double.NaN,
    };

    public bool Holds(double actual) => Operator switch
    {
        "<" => actual < Value,
        "<=" => actual <= Value,
        ">" => actual > Value,
        ">=" => actual >= Value,
        "==" => Math.Abs(actual - Value) < 1e-9,
        _ => false,
    };

    /// <summary>
    /// Whether the totals of a run still going (<paramref name="soFar"/>) already fail this
    /// threshold for good, so that stopping now cannot fail a run the end-of-run check would pass.
    /// Only figures that move one way as requests are added can say so, read in the direction no
    /// later request undoes: counts (<c>fail_count</c>, <c>count</c>, <c>dropped</c>,
    /// <c>unfinished</c>) and <c>max</c> only grow, so <c>&lt;</c>, <c>&lt;=</c> and <c>==</c> broken
    /// from above stay broken; <c>min</c> only shrinks. Percentiles, means and rates can recover,
    /// and a count can still climb to a lower bound, so those wait for the end. Also sound for one
    /// segment of a distributed run: the whole holds at least its counts, its maximum and its minimum.
    /// </summary>
    public bool FailsForGood(StatsBlock soFar)
    {
        var actual = Read(soFar);
        if (Holds(actual))
        {
            return false;
        }

        return Metric switch
        {
            "fail_count" or "count" or "dropped" or "unfinished" => BrokenFromAbove(actual),
            "max" => soFar.Ok > 0 && BrokenFromAbove(actual),
            "min" => soFar.Ok > 0 && (Operator is ">" or ">=" || (Operator == "==" && actual < Value)),
            _ => false,
        };

        bool BrokenFromAbove(double value) => Operator is "<" or "<=" || (Operator == "==" && value > Value);
    }

    [GeneratedRegex(@"^(?:(?!check\s*:)(?<scenario>[A-Za-z0-9_.\-]+)\s*:\s*)?(?<metric>check\s*:\s*[A-Za-z0-9_.\-]+|[a-z0-9_.]+)\s*(?<op><=|>=|==|<|>)\s*(?<value>\d+(?:\.\d+)?)\s*(?<unit>ms|s|us|µs|%)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();
}
