using System.Globalization;

namespace Harness.Load;

/// <summary>
/// Two runs side by side, over each scenario's steady intervals: throughput and fail rate from their
/// summed counts, p50 and p99 from their merged HDR histogram. A difference counts only where it is
/// larger than the runs' own noise and than 5% of the baseline. The noise is judged by batch means
/// (<see cref="SteadyBlocks"/>): each run's steady intervals are cut into contiguous blocks long enough
/// to be nearly independent, the spread of the blocks' figures gives each run's standard error, and
/// the band is Student's t at 95% (Welch's degrees of freedom) times the two errors combined. Few
/// blocks give a wide band: a run too short for its requests cannot tell much.
/// </summary>
public sealed class RunComparison
{
    internal const double MinRelativeChange = 0.05;

    /// <summary>What the noise is, in the words the reports print.</summary>
    public const string NoiseRule =
        "Each run's steady intervals are cut into contiguous blocks (at least three request durations, the intervals' integrated autocorrelation time, and for a percentile 5 requests beyond it: 500 for p99); " +
        "noise (±) is the 95% band of the difference from the spread of the blocks' figures (batch means, Student's t). " +
        "Percentiles come from the merged HDR histogram of the steady intervals. A difference counts when it exceeds the noise and 5% of the baseline.";

    public string Baseline { get; set; } = "";

    public string Candidate { get; set; } = "";

    public List<MetricDelta> Deltas { get; set; } = [];

    public List<string> OnlyInOne { get; set; } = [];

    public bool HasRegression => Deltas.Any(d => d.Verdict == "regression");

    public static RunComparison Compare(RunResult baseline, RunResult candidate, string baselineName, string candidateName)
    {
        var comparison = new RunComparison { Baseline = baselineName, Candidate = candidateName };
        foreach (var b in baseline.Scenarios)
        {
            if (candidate.Scenarios.FirstOrDefault(s => s.Name == b.Name) is not { } c)
            {
                comparison.OnlyInOne.Add($"{b.Name} (baseline only)");
                continue;
            }

            var bBlocks = SteadyBlocks.Of(b);
            var cBlocks = SteadyBlocks.Of(c);
            comparison.Deltas.Add(Delta(b.Name, bBlocks, cBlocks, "ok req/s", SteadyBlocks.OkRps, 0, higherIsBetter: true));
            comparison.Deltas.Add(Delta(b.Name, bBlocks, cBlocks, "p50 ms", SteadyBlocks.Percentile(50), SteadyBlocks.RequestsPerBlock(50), higherIsBetter: false));
            comparison.Deltas.Add(Delta(b.Name, bBlocks, cBlocks, "p99 ms", SteadyBlocks.Percentile(99), SteadyBlocks.RequestsPerBlock(99), higherIsBetter: false));
            comparison.Deltas.Add(Delta(b.Name, bBlocks, cBlocks, "fail rate", SteadyBlocks.FailRate, 0, higherIsBetter: false));
        }

        comparison.OnlyInOne.AddRange(candidate.Scenarios.Where(c => baseline.Scenarios.All(b => b.Name != c.Name)).Select(c => $"{c.Name} (candidate only)"));
        return comparison;
    }

    /// <summary>
    /// The intervals that describe the steady state: full length, at the scenario's top load, not the drain.
    /// An interval in which no request finished belongs to it too: with requests longer than an interval
    /// that is what steady state looks like, and leaving it out would overstate throughput.
    /// </summary>
    internal static List<IntervalResult> Steady(ScenarioResult scenario)
    {
        var full = scenario.Intervals.Where(i => !i.Drain && i.Duration >= 0.9 * Median(scenario.Intervals.Select(x => x.Duration))).ToList();
        if (full.Count == 0)
        {
            return [.. scenario.Intervals.Where(i => !i.Drain)];
        }

        var top = full.Max(i => i.LoadLevel);
        var steady = full.Where(i => i.LoadLevel >= top * 0.999).ToList();
        return steady.Count >= 2 ? steady : full;
    }

    private static MetricDelta Delta(string scenario, SteadyBlocks b, SteadyBlocks c, string metric, Func<SteadyBlocks, IReadOnlyList<IntervalResult>, double> figure, double requestsPerBlock, bool higherIsBetter)
    {
        var bEstimate = b.Measure(figure, requestsPerBlock);
        var cEstimate = c.Measure(figure, requestsPerBlock);
        var noise = Noise(bEstimate, cEstimate);
        var difference = cEstimate.Value - bEstimate.Value;
        var relative = bEstimate.Value != 0 ? difference / Math.Abs(bEstimate.Value) : (difference == 0 ? 0 : double.PositiveInfinity);
        var significant = double.IsFinite(noise) && Math.Abs(difference) > noise && Math.Abs(relative) >= MinRelativeChange;
        var better = higherIsBetter ? difference > 0 : difference < 0;
        return new MetricDelta
        {
            Scenario = scenario,
            Metric = metric,
            Baseline = Math.Round(bEstimate.Value, 4),
            Candidate = Math.Round(cEstimate.Value, 4),
            Change = double.IsFinite(relative) ? Math.Round(relative, 4) : null,
            Noise = double.IsFinite(noise) ? Math.Round(noise, 4) : null,
            Blocks = $"{Blocks(bEstimate)} / {Blocks(cEstimate)}",
            Verdict = !significant ? "within noise" : better ? "improvement" : "regression",
        };
    }

    /// <summary>Half-width of the 95% band of the difference of two independent runs' figures (Welch); NaN when a run has fewer than two blocks.</summary>
    internal static double Noise(Estimate b, Estimate c)
    {
        if (b.DegreesOfFreedom < 1 || c.DegreesOfFreedom < 1)
        {
            return double.NaN;
        }

        var vb = b.StandardError * b.StandardError;
        var vc = c.StandardError * c.StandardError;
        if (vb + vc == 0)
        {
            return 0;
        }

        var degrees = (vb + vc) * (vb + vc) / ((vb * vb / b.DegreesOfFreedom) + (vc * vc / c.DegreesOfFreedom));
        return StudentT975(degrees) * Math.Sqrt(vb + vc);
    }

    /// <summary>The 97.5% quantile of Student's t, rounding the degrees of freedom down (the wider band).</summary>
    internal static double StudentT975(double degrees)
    {
        ReadOnlySpan<double> table =
        [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
            2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ];
        var whole = (int)Math.Floor(Math.Max(1, degrees));
        return whole <= table.Length ? table[whole - 1] : 1.96 + (2.4 / whole);
    }

    private static string Blocks(Estimate run) =>
        string.Create(CultureInfo.InvariantCulture, $"{run.Blocks} × {run.BlockSeconds:0.#} s");

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }

    public string Markdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new System.Text.StringBuilder();
        md.AppendLine("# Harness: run comparison");
        md.AppendLine();
        md.AppendLine(c, $"Baseline `{Baseline}` against candidate `{Candidate}`. {(HasRegression ? "**Regression found.**" : "No regression beyond the runs' noise.")}");
        md.AppendLine();
        md.AppendLine(NoiseRule);
        md.AppendLine();
        md.AppendLine("| scenario | metric | baseline | candidate | change | noise (±) | blocks (baseline / candidate) | verdict |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---|---|");
        foreach (var d in Deltas)
        {
            md.AppendLine(c, $"| {d.Scenario} | {d.Metric} | {d.Baseline:0.###} | {d.Candidate:0.###} | {(d.Change is { } ch ? (ch * 100).ToString("+0.0;-0.0;0", c) + "%" : "–")} | {NoiseText(d)} | {d.Blocks} | {(d.Verdict == "regression" ? "**regression**" : d.Verdict)} |");
        }

        foreach (var only in OnlyInOne)
        {
            md.AppendLine(c, $"\nNot compared: {only}.");
        }

        return md.ToString();
    }

    /// <summary>The noise as the tables print it: "–" when a run had too few steady intervals for two blocks.</summary>
    public static string NoiseText(MetricDelta delta) =>
        delta.Noise is { } noise ? noise.ToString("0.###", CultureInfo.InvariantCulture) : "–";
}

public sealed class MetricDelta
{
    public string Scenario { get; set; } = "";

    public string Metric { get; set; } = "";

    public double Baseline { get; set; }

    public double Candidate { get; set; }

    /// <summary>(candidate − baseline) / baseline; null when the baseline is zero.</summary>
    public double? Change { get; set; }

    /// <summary>Half-width of the 95% band of the difference; null when a run had fewer than two blocks of steady intervals (then nothing is flagged).</summary>
    public double? Noise { get; set; }

    /// <summary>How each run's steady intervals were cut for the noise: "4 × 5 s / 4 × 5 s" (baseline / candidate).</summary>
    public string Blocks { get; set; } = "";

    /// <summary>"within noise", "improvement" or "regression".</summary>
    public string Verdict { get; set; } = "";
}
