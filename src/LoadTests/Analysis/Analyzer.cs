using System.Globalization;
using Harness.Load;
using Harness.LoadTests.Suites;

namespace Harness.LoadTests.Analysis;

/// <summary>Works out, once per run, what a run's numbers say: who won by how much, where each mode's knee was, and the seed's comparison; the reports only render it.</summary>
public static class Analyzer
{
    /// <summary>Throughput must grow by at least this factor from one step to the next, or the knee is passed.</summary>
    internal const double GrowthFactor = 1.1;

    public static RunAnalysis Analyze(RunResult run)
    {
        var analysis = new RunAnalysis();
        var targets = run.Servers.Where(s => s.Name.StartsWith("target", StringComparison.Ordinal)).ToList();
        if (targets.Count == 0)
        {
            targets = run.Servers;
        }

        foreach (var scenario in run.Scenarios.Where(s => s.Labels.ContainsKey("mode")))
        {
            var window = Window(targets, scenario.Start, scenario.End);
            analysis.Modes.Add(new ModeSummary
            {
                Scenario = scenario.Name,
                Mode = scenario.Labels["mode"],
                OkRps = scenario.Stats.OkRps,
                P50 = scenario.Stats.Latency.P50,
                P99 = scenario.Stats.Latency.P99,
                FailRate = Math.Round(scenario.Stats.FailRate, 4),
                PeakPoolThreads = Max(window, s => s.PoolThreads),
                PeakQueueLength = Max(window, s => s.QueueLength),
                Model = scenario.Model,
                OfferedRps = double.TryParse(scenario.Labels.GetValueOrDefault("rate"), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) ? rate : null,
                MaxInFlight = int.TryParse(scenario.Labels.GetValueOrDefault("max_in_flight"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var cap) ? cap : null,
                Requests = scenario.Stats.Ok + scenario.Stats.Fail + scenario.Stats.Unfinished,
                Dropped = scenario.Stats.Dropped,
                Late = scenario.Stats.Late,
                LagP99 = scenario.Stats.ScheduleLag?.P99,
                Failed = scenario.Stats.Fail,
                Unfinished = scenario.Stats.Unfinished,
            });
        }

        var best = analysis.Modes.Count > 0 ? analysis.Modes.Max(m => m.OkRps) : 0;
        foreach (var mode in analysis.Modes)
        {
            mode.NotSentRate = mode.Requests + mode.Dropped == 0 ? 0 : Math.Round((double)mode.Dropped / (mode.Requests + mode.Dropped), 4);
            mode.RelativeThroughput = best > 0 ? Math.Round(mode.OkRps / best, 4) : 0;
        }

        if (run.Suite == Suite.Starvation)
        {
            analysis.Knees = [.. run.Scenarios.Where(s => s.Labels.ContainsKey("mode")).Select(s => Knee(s, targets))];
        }

        analysis.Headline = Headline(run, analysis);
        return analysis;
    }

    /// <summary>The scenario's intervals grouped by load level, in order; the knee is the last level before throughput stops growing.</summary>
    public static KneeResult Knee(ScenarioResult scenario, IReadOnlyList<ServerSeries> targets)
    {
        var steps = new List<StepPoint>();
        foreach (var level in scenario.Intervals.Where(i => i.LoadLevel > 0).GroupBy(i => i.LoadLevel))
        {
            var intervals = level.ToList();
            var seconds = intervals.Sum(i => i.Duration);
            var histogram = ScenarioStatsHistogram(intervals);
            var window = Window(targets, intervals[0].Start, intervals[^1].Start + intervals[^1].Duration);
            steps.Add(new StepPoint
            {
                Users = level.Key,
                OkRps = Math.Round(intervals.Sum(i => i.Stats.Ok) / Math.Max(seconds, 1e-9), 3),
                P50 = histogram.TotalCount > 0 ? Math.Round(histogram.GetValueAtPercentile(50) / 1000.0, 3) : 0,
                P99 = histogram.TotalCount > 0 ? Math.Round(histogram.GetValueAtPercentile(99) / 1000.0, 3) : 0,
                PoolThreads = Max(window, s => s.PoolThreads),
                QueueLength = Max(window, s => s.QueueLength),
            });
        }

        var knee = new KneeResult { Scenario = scenario.Name, Mode = scenario.Labels.GetValueOrDefault("mode", scenario.Name), Steps = steps };
        for (int i = 1; i < steps.Count; i++)
        {
            if (steps[i].OkRps < steps[i - 1].OkRps * GrowthFactor)
            {
                knee.Users = steps[i - 1].Users;
                knee.RpsAtKnee = steps[i - 1].OkRps;
                return knee;
            }
        }

        knee.RpsAtKnee = steps.Count > 0 ? steps[^1].OkRps : 0;
        return knee;
    }

    private static HdrHistogram.HistogramBase ScenarioStatsHistogram(IEnumerable<IntervalResult> intervals)
    {
        var total = HistogramCodec.NewHistogram();
        foreach (var interval in intervals.Where(i => !string.IsNullOrEmpty(i.Histogram)))
        {
            total.Add(HistogramCodec.Decode(interval.Histogram));
        }

        return total;
    }

    private static string Headline(RunResult run, RunAnalysis analysis)
    {
        var c = CultureInfo.InvariantCulture;
        if (run.Suite == Suite.Seed)
        {
            return string.Join("; ", run.Scenarios.Select(s => string.Create(c,
                $"{s.Labels.GetValueOrDefault("mode", s.Name)}: {s.Stats.Latency.Mean / 1000:0.000} s per aggregation of {s.Labels.GetValueOrDefault("path")} (seed, 10 × 1 s in Django: {s.Labels.GetValueOrDefault("seed_seconds")} s)")));
        }

        if (analysis.Knees.Count > 0)
        {
            return string.Join("; ", analysis.Knees.Select(k => k.Users is { } users
                ? string.Create(c, $"{k.Mode}: knee at {users:0} users ({k.RpsAtKnee:0.#} req/s)")
                : string.Create(c, $"{k.Mode}: still growing at {k.Steps.LastOrDefault()?.Users ?? 0:0} users ({k.RpsAtKnee:0.#} req/s)")));
        }

        if (analysis.Modes.Count > 0 && analysis.Modes.All(m => m.OfferedRps is not null))
        {
            // Open model: every mode was offered the same arrivals, so the question is what each did with them.
            var offered = analysis.Modes.Select(m => m.OfferedRps!.Value).Distinct().ToList();
            var at = offered.Count == 1 ? string.Create(c, $"At {offered[0]:0.##} req/s offered to each mode") : "At the rates offered";
            return at + " (latency from each request's intended start): " + string.Join("; ", analysis.Modes.Select(OpenOutcome)) + ".";
        }

        if (analysis.Modes.FirstOrDefault(m => m.Mode == "async") is { } reference && analysis.Modes.Count >= 2)
        {
            // The seed's question: what does async buy over each other way of doing the same calls?
            var others = analysis.Modes.Where(m => m != reference).Select(m => m.OkRps >= reference.OkRps * 0.9
                ? string.Create(c, $"{m.Mode} kept up ({m.OkRps:0.#} req/s, p99 {Seconds(m.P99)})")
                : m.OkRps > 0
                    ? string.Create(c, $"{m.Mode} {reference.OkRps / m.OkRps:0.#}× fewer ({m.OkRps:0.#} req/s, p99 {Seconds(m.P99)})")
                    : $"{m.Mode} answered nothing");
            return string.Create(c, $"async: {reference.OkRps:0.#} req/s, p99 {Seconds(reference.P99)}. Under the same load, ") + string.Join("; ", others) + ".";
        }

        if (analysis.Modes.Count >= 2)
        {
            var ordered = analysis.Modes.OrderByDescending(m => m.OkRps).ToList();
            var (best, worst) = (ordered[0], ordered[^1]);
            var factor = worst.OkRps > 0 ? string.Create(c, $"{best.OkRps / worst.OkRps:0.#}×") : "infinitely more than";
            return string.Create(c,
                $"{best.Mode} answered {factor} the requests of {worst.Mode} under the same load ({best.OkRps:0.#} vs {worst.OkRps:0.#} req/s; p99 {Seconds(best.P99)} vs {Seconds(worst.P99)}).");
        }

        return ReportWriter.DefaultHeadline(run);
    }

    /// <summary>One mode under the open model, in what a production service's callers would see: how slow, and how much never got a good answer.</summary>
    private static string OpenOutcome(ModeSummary m)
    {
        var c = CultureInfo.InvariantCulture;
        var planned = m.Requests + m.Dropped;
        var lost = new List<string>();
        if (m.Dropped > 0)
        {
            lost.Add(string.Create(c, $"{Share(m.Dropped)} not sent (in-flight cap{(m.MaxInFlight is { } cap ? string.Create(c, $" of {cap}") : "")} reached)"));
        }

        if (m.Failed > 0)
        {
            lost.Add(string.Create(c, $"{Share(m.Failed)} failed"));
        }

        if (m.Unfinished > 0)
        {
            lost.Add(string.Create(c, $"{Share(m.Unfinished)} unfinished at the end"));
        }

        var ok = m.Requests - m.Failed - m.Unfinished;
        var latency = ok > 0 ? string.Create(c, $"{m.Mode} p99 {Seconds(m.P99)}, ") : $"{m.Mode}: no request answered ok, ";
        return latency + (lost.Count == 0 ? "every request answered" : string.Join(", ", lost));

        string Share(long count) => planned > 0 ? string.Create(c, $"{100.0 * count / planned:0.#}%") : count.ToString(c);
    }

    private static string Seconds(double ms) => ReportWriter.Seconds(ms);

    private static List<ServerSample> Window(IEnumerable<ServerSeries> servers, double start, double end) =>
        [.. servers.SelectMany(s => s.Samples).Where(s => s.T >= start && s.T <= end + 1)];

    private static double? Max(List<ServerSample> samples, Func<ServerSample, double?> read) =>
        samples.Select(read).Where(v => v.HasValue).Select(v => v!.Value).DefaultIfEmpty(double.NaN).Max() is var max && double.IsNaN(max) ? null : max;
}
