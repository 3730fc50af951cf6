using System.Globalization;
using Harness.Load;
using Harness.LoadTests.Suites;

namespace Harness.LoadTests.Analysis;

/// <summary>Works out, once per run, what a run's numbers say: who won by how much, where each mode's knee was, and the seed's comparison; the reports only render it.</summary>
public static class Analyzer
{
    /// <summary>Throughput must grow by at least this factor from one step to the next, or it has flattened.</summary>
    internal const double GrowthFactor = 1.1;

    /// <summary>
    /// p99 must grow by at least this factor from one step to the next for flat throughput to be a knee.
    /// Tuned for steps that double the users: past saturation a closed model's latency doubles with
    /// them, so 1.5 leaves room for noise; below saturation it barely moves.
    /// </summary>
    internal const double LatencyFactor = 1.5;

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

    /// <summary>
    /// The knee: the last step whose next step gained less than 10% throughput (<see cref="GrowthFactor"/>)
    /// while its p99 grew by <see cref="LatencyFactor"/> or more. Both are needed: throughput that
    /// flattens with latency flat is a limit outside the server (the client, the steps), not a knee;
    /// in a closed model past saturation each doubling of users doubles latency instead of throughput.
    /// </summary>
    public static KneeResult Knee(ScenarioResult scenario, IReadOnlyList<ServerSeries> targets)
    {
        var steps = new List<StepPoint>();
        foreach (var level in Steps(scenario.Intervals))
        {
            var intervals = Settled(level);
            var seconds = intervals.Sum(i => i.Duration);
            var histogram = HistogramCodec.Sum(intervals.Select(i => i.Histogram));
            var window = Window(targets, level[0].Start, level[^1].Start + level[^1].Duration);
            steps.Add(new StepPoint
            {
                Users = level[0].LoadLevel,
                OkRps = Math.Round(scenario.Model == "closed" && ClosedRate(level[0].LoadLevel, intervals, seconds) is { } rate ? rate : intervals.Sum(i => i.Stats.Ok) / Math.Max(seconds, 1e-9), 3),
                P50 = histogram.TotalCount > 0 ? Math.Round(histogram.GetValueAtPercentile(50) / 1000.0, 3) : 0,
                P99 = histogram.TotalCount > 0 ? Math.Round(histogram.GetValueAtPercentile(99) / 1000.0, 3) : 0,
                Seconds = Math.Round(seconds, 3),
                PoolThreads = Max(window, s => s.PoolThreads),
                QueueLength = Max(window, s => s.QueueLength),
            });
        }

        var knee = new KneeResult { Scenario = scenario.Name, Mode = scenario.Labels.GetValueOrDefault("mode", scenario.Name), Steps = steps };
        for (int i = 1; i < steps.Count; i++)
        {
            var (before, after) = (steps[i - 1], steps[i]);
            var flat = after.OkRps < before.OkRps * GrowthFactor;

            // A step that answered nothing ok has no latency to compare: its throughput fell, which is climbing enough.
            var climbing = after.OkRps == 0 ? before.OkRps > 0 : before.P99 > 0 && after.P99 >= before.P99 * LatencyFactor;
            if (flat && climbing)
            {
                knee.Users = before.Users;
                knee.RpsAtKnee = before.OkRps;
                knee.P99AtKnee = before.P99;
                knee.P99AfterKnee = after.P99;
                return knee;
            }
        }

        knee.RpsAtKnee = steps.Count > 0 ? steps[^1].OkRps : 0;
        return knee;
    }

    /// <summary>
    /// A closed step's ok requests/s by Little's law: each of its users always has one invocation
    /// out, so the users over the mean invocation time (ok and failed alike) is the rate, and the
    /// ok share of it is the ok rate. Counting answers in a window a few requests long is off by up
    /// to a whole round when the users' requests finish together, as the sequential modes' do
    /// (all of a step's users start at once and take 5 s each). Null when nothing finished, or when
    /// the mean invocation outlasted the step's kept <paramref name="seconds"/>: such a step is
    /// still in its transition, what finished in it started in earlier steps, and only counting
    /// says what it served.
    /// </summary>
    private static double? ClosedRate(double users, List<IntervalResult> intervals, double seconds)
    {
        var finished = intervals.Sum(i => i.Stats.Ok + i.Stats.Fail);
        var busySeconds = intervals.Sum(i => (i.Stats.Latency.Mean * i.Stats.Ok) + ((i.Stats.FailLatency?.Mean ?? 0) * i.Stats.Fail)) / 1000;
        return finished == 0 || busySeconds <= 0 || busySeconds / finished > seconds ? null : users * intervals.Sum(i => i.Stats.Ok) / busySeconds;
    }

    /// <summary>Runs of consecutive load intervals at one level; drain intervals (load over) belong to no step.</summary>
    private static List<List<IntervalResult>> Steps(IEnumerable<IntervalResult> intervals)
    {
        var steps = new List<List<IntervalResult>>();
        foreach (var interval in intervals.Where(i => i.LoadLevel > 0 && !i.Drain))
        {
            if (steps.Count == 0 || steps[^1][0].LoadLevel != interval.LoadLevel)
            {
                steps.Add([]);
            }

            steps[^1].Add(interval);
        }

        return steps;
    }

    /// <summary>
    /// A step without its transition: the users added at its start finish their first request only
    /// one request duration later, and until then the previous step's requests are still finishing.
    /// The intervals that start within the step's median latency of its first interval's end are
    /// left out; at least the last half of the step is kept, so a too-short step still has figures
    /// (its <see cref="StepPoint.Seconds"/> says how little).
    /// </summary>
    private static List<IntervalResult> Settled(List<IntervalResult> step)
    {
        var histogram = HistogramCodec.Sum(step.Select(i => i.Histogram));
        var transition = histogram.TotalCount > 0 ? histogram.GetValueAtPercentile(50) / 1e6 : 0;
        var settledFrom = step[0].Start + step[0].Duration + transition;
        var skip = Math.Min(step.Count(i => i.Start < settledFrom - 1e-6), step.Count / 2);
        return step[skip..];
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
            return string.Join("; ", analysis.Knees.Select(KneeText));
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

    /// <summary>"sync: knee at 16 users (31 req/s; p99 520 ms → 1.90 s)", or where the steps ended without one.</summary>
    public static string KneeText(KneeResult knee) => knee.Users is { } users
        ? string.Create(CultureInfo.InvariantCulture, $"{knee.Mode}: knee at {users:0} users ({knee.RpsAtKnee:0.#} req/s; p99 {ReportWriter.KneeClimb(knee)})")
        : knee.Steps.Count == 0
            ? $"{knee.Mode}: no steps measured"
            : string.Create(CultureInfo.InvariantCulture, $"{knee.Mode}: no knee up to {knee.Steps[^1].Users:0} users ({knee.RpsAtKnee:0.#} req/s, p99 {Seconds(knee.Steps[^1].P99)})");

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
