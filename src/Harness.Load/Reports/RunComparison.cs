using System.Globalization;

namespace Harness.Load;

/// <summary>
/// Two runs side by side. A difference counts only where it is larger than the runs' own noise:
/// each run's steady intervals give a mean and a spread, and the difference must exceed twice
/// the combined standard error (about 95% confidence) and 5% of the baseline.
/// </summary>
public sealed class RunComparison
{
    internal const double MinRelativeChange = 0.05;
    internal const double Confidence = 2.0;

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

            comparison.Deltas.Add(Delta(b, c, "ok req/s", i => i.Stats.OkRps, higherIsBetter: true));
            comparison.Deltas.Add(Delta(b, c, "p50 ms", i => i.Stats.Latency.P50, higherIsBetter: false));
            comparison.Deltas.Add(Delta(b, c, "p99 ms", i => i.Stats.Latency.P99, higherIsBetter: false));
            comparison.Deltas.Add(Delta(b, c, "fail rate", i => i.Stats.FailRate, higherIsBetter: false));
        }

        comparison.OnlyInOne.AddRange(candidate.Scenarios.Where(c => baseline.Scenarios.All(b => b.Name != c.Name)).Select(c => $"{c.Name} (candidate only)"));
        return comparison;
    }

    /// <summary>The intervals that describe the steady state: full length, at the scenario's top load, with answers.</summary>
    internal static List<IntervalResult> Steady(ScenarioResult scenario)
    {
        var full = scenario.Intervals.Where(i => !i.Drain && i.Duration >= 0.9 * Median(scenario.Intervals.Select(x => x.Duration))).ToList();
        if (full.Count == 0)
        {
            return scenario.Intervals;
        }

        var top = full.Max(i => i.LoadLevel);
        var steady = full.Where(i => i.LoadLevel >= top * 0.999 && i.Stats.Count > 0).ToList();
        return steady.Count >= 2 ? steady : full;
    }

    private static MetricDelta Delta(ScenarioResult b, ScenarioResult c, string metric, Func<IntervalResult, double> read, bool higherIsBetter)
    {
        var (bMean, bSd, bN) = Describe(Steady(b).Select(read));
        var (cMean, cSd, cN) = Describe(Steady(c).Select(read));
        var noise = Confidence * Math.Sqrt((bSd * bSd / Math.Max(1, bN)) + (cSd * cSd / Math.Max(1, cN)));
        var difference = cMean - bMean;
        var relative = bMean != 0 ? difference / Math.Abs(bMean) : (difference == 0 ? 0 : double.PositiveInfinity);
        var significant = Math.Abs(difference) > noise && Math.Abs(relative) >= MinRelativeChange && bN >= 2 && cN >= 2;
        var better = higherIsBetter ? difference > 0 : difference < 0;
        return new MetricDelta
        {
            Scenario = b.Name,
            Metric = metric,
            Baseline = Math.Round(bMean, 4),
            Candidate = Math.Round(cMean, 4),
            Change = double.IsFinite(relative) ? Math.Round(relative, 4) : null,
            Noise = Math.Round(noise, 4),
            Verdict = !significant ? "within noise" : better ? "improvement" : "regression",
        };
    }

    private static (double Mean, double Sd, int N) Describe(IEnumerable<double> values)
    {
        var list = values.Where(double.IsFinite).ToList();
        if (list.Count == 0)
        {
            return (0, 0, 0);
        }

        var mean = list.Average();
        var sd = list.Count > 1 ? Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1)) : 0;
        return (mean, sd, list.Count);
    }

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
        md.AppendLine("A difference counts when it exceeds twice the combined standard error of the two runs' steady intervals and 5% of the baseline.");
        md.AppendLine();
        md.AppendLine("| scenario | metric | baseline | candidate | change | noise (±) | verdict |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---|");
        foreach (var d in Deltas)
        {
            md.AppendLine(c, $"| {d.Scenario} | {d.Metric} | {d.Baseline:0.###} | {d.Candidate:0.###} | {(d.Change is { } ch ? (ch * 100).ToString("+0.0;-0.0;0", c) + "%" : "–")} | {d.Noise:0.###} | {(d.Verdict == "regression" ? "**regression**" : d.Verdict)} |");
        }

        foreach (var only in OnlyInOne)
        {
            md.AppendLine(c, $"\nNot compared: {only}.");
        }

        return md.ToString();
    }
}

public sealed class MetricDelta
{
    public string Scenario { get; set; } = "";

    public string Metric { get; set; } = "";

    public double Baseline { get; set; }

    public double Candidate { get; set; }

    /// <summary>(candidate − baseline) / baseline; null when the baseline is zero.</summary>
    public double? Change { get; set; }

    public double Noise { get; set; }

    /// <summary>"within noise", "improvement" or "regression".</summary>
    public string Verdict { get; set; } = "";
}
