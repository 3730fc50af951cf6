using System.Globalization;
using HdrHistogram;

namespace Harness.Load;

/// <summary>
/// Combines the segments of one distributed run (<c>--segment I/N</c> on N generators) into the
/// run one generator would have measured: counts and bytes summed, the ok-latency HDR histograms
/// added interval by interval (aligned on the segments' common start), so percentiles are exact,
/// not averaged; generator and server samples kept per generator; thresholds checked on the whole.
/// Failure latency, schedule lag and unfinished requests' wait are kept by each segment as summaries, not histograms, so their
/// merged percentiles are upper bounds; the merged run's settings say so (<see cref="BoundsSetting"/>).
/// </summary>
public static class RunMerge
{
    /// <summary>The merged run's setting that says which of its figures are exact and which are bounds.</summary>
    public const string BoundsSetting = "merged_latency";

    private const string BoundsNote =
        "ok latency exact (the segments' histograms added); failure latency, schedule lag and unfinished requests' wait: min and max exact, mean and spread pooled by count, percentiles upper bounds (the highest segment's, so a lag_p99 threshold reads a bound)";

    /// <summary>Merges <paramref name="segments"/> (named by <paramref name="sources"/> in messages), or refuses with a <see cref="ConfigurationException"/> saying why.</summary>
    public static RunResult Merge(IReadOnlyList<RunResult> segments, IReadOnlyList<string> sources, IEnumerable<Threshold>? thresholds = null)
    {
        Check(segments, sources);
        var start = segments.Min(s => s.StartedAt);
        var interval = IntervalSeconds(segments[0]);
        var offsets = segments.Select(s => (s.StartedAt - start).TotalSeconds).ToList();
        var ordered = segments.Select((run, i) => (Run: run, Offset: offsets[i])).OrderBy(s => s.Run.Segment!.Index).ToList();

        var scenarios = segments[0].Scenarios
            .Select(first => MergeScenario(first.Name, [.. ordered.Select(s => (s.Run.Scenarios.Single(x => x.Name == first.Name), s.Offset))], interval))
            .ToList();
        var expressions = segments
            .SelectMany(s => s.Settings.GetValueOrDefault("thresholds", "").Split("; ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(Threshold.Parse)
            .Concat(thresholds ?? [])
            .DistinctBy(t => t.Expression)
            .ToList();

        var first = segments[0];
        var machines = string.Join(", ", segments.Select(s => s.Fingerprint.Machine).Distinct(StringComparer.Ordinal));
        var settings = new Dictionary<string, string>(first.Settings)
        {
            ["segment"] = "",
            ["start_at"] = first.Settings.GetValueOrDefault("start_at", ""),
            ["generators"] = segments.Count.ToString(CultureInfo.InvariantCulture),
            ["thresholds"] = string.Join("; ", expressions.Select(t => t.Expression)),
            [BoundsSetting] = BoundsNote,
        };
        var merged = new RunResult
        {
            Suite = first.Suite,
            RunId = first.RunId,
            StartedAt = start,
            FinishedAt = segments.Max(s => s.FinishedAt),
            Completed = segments.All(s => s.Completed),
            StopReason = segments.All(s => s.Completed) ? "completed" : string.Join("; ", ordered.Where(s => !s.Run.Completed).Select(s => $"generator {s.Run.Segment}: {s.Run.StopReason}")),
            Fingerprint = new Fingerprint
            {
                Machine = machines,
                Os = first.Fingerprint.Os,
                Cores = first.Fingerprint.Cores,
                Dotnet = first.Fingerprint.Dotnet,
                Gc = first.Fingerprint.Gc,
                Commit = string.Join(", ", segments.Select(s => s.Fingerprint.Commit).Distinct(StringComparer.Ordinal)),
                Target = first.Fingerprint.Target,
                CommandLine = first.Fingerprint.CommandLine,
            },
            Settings = settings,
            Scenarios = scenarios,
            Servers = [.. ordered.SelectMany(s => s.Run.Servers.Select(series => new ServerSeries
            {
                Name = $"{series.Name} (generator {s.Run.Segment})",
                Url = series.Url,
                Samples = [.. series.Samples.Select(sample => Shifted(sample, s.Offset))],
            }))],
            Generators = [.. ordered.Select(s => new GeneratorSeries
            {
                Segment = s.Run.Segment!,
                Machine = s.Run.Fingerprint.Machine,
                StartedAt = s.Run.StartedAt,
                Count = s.Run.Scenarios.Sum(x => x.Stats.Count),
                Samples = [.. s.Run.Generator.Select(g => new GeneratorSample { T = Math.Round(g.T + s.Offset, 3), Cpu = g.Cpu, GcPauseFraction = g.GcPauseFraction, PoolThreads = g.PoolThreads, PoolQueue = g.PoolQueue, WorkingSetBytes = g.WorkingSetBytes })],
                Warnings = s.Run.Warnings,
            })],
            Warnings = [.. ordered.SelectMany(s => s.Run.Warnings.Select(w => $"generator {s.Run.Segment}: {w}"))],
        };

        merged.Thresholds = Evaluate(expressions, scenarios);
        merged.ExitCode = merged.Thresholds.Any(t => !t.Passed) ? 1 : 0;
        return merged;
    }

    /// <summary>Every threshold against every scenario it applies to.</summary>
    internal static List<ThresholdResult> Evaluate(IEnumerable<Threshold> thresholds, IReadOnlyList<ScenarioResult> scenarios) =>
        [.. from threshold in thresholds
            from scenario in scenarios
            where threshold.AppliesTo(scenario.Name)
            let actual = threshold.Read(scenario.Stats)
            select new ThresholdResult
            {
                Scenario = scenario.Name,
                Expression = threshold.Expression,
                Actual = Math.Round(actual, 4),
                Passed = threshold.Holds(actual),
            }];

    private static void Check(IReadOnlyList<RunResult> segments, IReadOnlyList<string> sources)
    {
        if (segments.Count == 0)
        {
            throw new ConfigurationException("merge: give the report folders of every segment of the run.");
        }

        for (int i = 0; i < segments.Count; i++)
        {
            if (segments[i].Segment is null)
            {
                throw new ConfigurationException($"merge: '{sources[i]}' is not a segment (it ran without --segment I/N, or is a merged run already).");
            }
        }

        var runs = segments.Select((s, i) => (Id: s.RunId ?? "(none)", Source: sources[i])).GroupBy(s => s.Id, StringComparer.Ordinal).ToList();
        if (runs.Count > 1)
        {
            throw new ConfigurationException($"merge: these folders come from different runs: {string.Join("; ", runs.Select(g => $"run id '{g.Key}' in {string.Join(", ", g.Select(s => s.Source))}"))}. Merge the segments of one run only.");
        }

        var counts = segments.Select(s => s.Segment!.Count).Distinct().ToList();
        if (counts.Count > 1)
        {
            throw new ConfigurationException($"merge: the segments disagree on how many generators the run had ({string.Join(" vs ", counts.Select(n => "N=" + n))}).");
        }

        var n = counts[0];
        if (segments.Select((s, i) => (s.Segment!.Index, Source: sources[i])).GroupBy(s => s.Index).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ConfigurationException($"merge: segment {twice.Key}/{n} is given twice ({string.Join(", ", twice.Select(s => s.Source))}); give each segment once.");
        }

        var missing = Enumerable.Range(1, n).Except(segments.Select(s => s.Segment!.Index)).ToList();
        if (missing.Count > 0)
        {
            throw new ConfigurationException($"merge: segment{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(i => $"{i}/{n}"))} of run '{segments[0].RunId}' {(missing.Count > 1 ? "are" : "is")} missing; a merged run needs all {n}.");
        }

        var expected = Names(segments[0]);
        for (int i = 1; i < segments.Count; i++)
        {
            if (Names(segments[i]) != expected)
            {
                throw new ConfigurationException($"merge: the segments ran different scenarios: '{sources[0]}' has {expected}, '{sources[i]}' has {Names(segments[i])}.");
            }
        }

        static string Names(RunResult run) => string.Join(", ", run.Scenarios.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    private static double IntervalSeconds(RunResult run) =>
        run.Settings.TryGetValue("interval", out var text) && Durations.TryParse(text, out var interval) && interval > TimeSpan.Zero ? interval.TotalSeconds : 1;

    private static ScenarioResult MergeScenario(string name, IReadOnlyList<(ScenarioResult Part, double Offset)> parts, double interval)
    {
        var first = parts[0].Part;
        var start = parts.Min(p => p.Part.Start + p.Offset);
        var end = parts.Max(p => p.Part.End + p.Offset);

        // The load ends with the last generator's; the drain is what follows it.
        var loadEnd = parts.Max(p => p.Part.End - p.Part.DrainSeconds + p.Offset);
        var histogram = HistogramCodec.Sum(parts.Select(p => p.Part.Histogram));
        var stepNames = parts.SelectMany(p => p.Part.Steps.Select(s => s.Name)).Distinct(StringComparer.Ordinal).ToList();
        return new ScenarioResult
        {
            Name = name,
            Group = first.Group,
            Labels = first.Labels,
            Model = first.Model,
            Simulations = first.Simulations,
            Start = Math.Round(start, 3),
            End = Math.Round(end, 3),
            DrainSeconds = Math.Round(end - loadEnd, 3),
            DrainCount = parts.Sum(p => p.Part.DrainCount),
            Completed = parts.All(p => p.Part.Completed),
            WarmUpCount = parts.Sum(p => p.Part.WarmUpCount),
            Stats = MergeStats([.. parts.Select(p => p.Part.Stats)], histogram, loadEnd - start),
            Intervals = MergeIntervals([.. parts.Select(p => (p.Part.Intervals, p.Offset))], interval),
            Histogram = HistogramCodec.Encode(histogram),
            Spectrum = LoadRunner.Spectrum(histogram),
            Steps = [.. stepNames.Select(step =>
            {
                var stepParts = parts.SelectMany(p => p.Part.Steps.Where(s => s.Name == step).Select(s => (Step: s, p.Offset))).ToList();
                var stepHistogram = HistogramCodec.Sum(stepParts.Select(p => p.Step.Histogram));
                return new StepResult
                {
                    Name = step,
                    Stats = MergeStats([.. stepParts.Select(p => p.Step.Stats)], stepHistogram, loadEnd - start),
                    Intervals = MergeIntervals([.. stepParts.Select(p => (p.Step.Intervals, p.Offset))], interval),
                    Histogram = HistogramCodec.Encode(stepHistogram),
                    Spectrum = LoadRunner.Spectrum(stepHistogram),
                };
            })],
        };
    }

    /// <summary>
    /// Intervals of every segment on the common timeline, in slots one interval long from the
    /// common start, load and drain apart; each segment's interval goes to exactly one slot, so
    /// the slots' histograms add up to the whole run's.
    /// </summary>
    private static List<IntervalResult> MergeIntervals(IReadOnlyList<(List<IntervalResult> Intervals, double Offset)> parts, double interval)
    {
        var slots = parts
            .SelectMany((p, segment) => p.Intervals.Select(i => (Segment: segment, Interval: i, Start: i.Start + p.Offset)))
            .GroupBy(x => (Slot: (long)Math.Round(x.Start / interval), x.Interval.Drain))
            .OrderBy(g => g.Key.Slot)
            .ThenBy(g => g.Key.Drain);
        var merged = new List<IntervalResult>();
        foreach (var slot in slots)
        {
            var members = slot.ToList();
            var start = members.Min(m => m.Start);
            var duration = members.Max(m => m.Start + m.Interval.Duration) - start;
            var histogram = HistogramCodec.Sum(members.Select(m => m.Interval.Histogram));
            merged.Add(new IntervalResult
            {
                Start = Math.Round(start, 3),
                Duration = Math.Round(duration, 3),

                // Each generator's load level at the slot's end, added: the whole run's users or rate.
                LoadLevel = Math.Round(members.GroupBy(m => m.Segment).Sum(g => g.Last().Interval.LoadLevel), 3),
                InFlight = members.GroupBy(m => m.Segment).Sum(g => g.Last().Interval.InFlight),
                Drain = slot.Key.Drain,
                Stats = MergeStats([.. members.Select(m => m.Interval.Stats)], histogram, duration),
                Histogram = HistogramCodec.Encode(histogram),
            });
        }

        return merged;
    }

    /// <summary>
    /// Counts add; ok latency comes from the added histogram (exact). Failure latency, schedule
    /// lag and unfinished requests' wait are kept only as summaries per segment, so their merge is bounded, not exact (see <see cref="Bound"/>).
    /// </summary>
    private static StatsBlock MergeStats(IReadOnlyList<StatsBlock> blocks, HistogramBase ok, double seconds)
    {
        seconds = Math.Max(1e-9, seconds);
        var count = blocks.Sum(b => b.Count);
        var okCount = blocks.Sum(b => b.Ok);
        return new StatsBlock
        {
            Count = count,
            Ok = okCount,
            Fail = blocks.Sum(b => b.Fail),
            Dropped = blocks.Sum(b => b.Dropped),
            Late = blocks.Sum(b => b.Late),
            Unfinished = blocks.Sum(b => b.Unfinished),
            Rps = Math.Round(count / seconds, 3),
            OkRps = Math.Round(okCount / seconds, 3),
            Bytes = blocks.Sum(b => b.Bytes),
            Latency = LatencySummary.From(ok),
            FailLatency = Bound([.. blocks.Where(b => b.FailLatency is not null).Select(b => (b.FailLatency!, b.Fail))]),
            ScheduleLag = Bound([.. blocks.Where(b => b.ScheduleLag is not null).Select(b => (b.ScheduleLag!, b.Count + b.Unfinished))]),
            UnfinishedElapsed = Bound([.. blocks.Where(b => b.UnfinishedElapsed is not null).Select(b => (b.UnfinishedElapsed!, b.Unfinished))]),
            StatusCodes = Add(blocks.Select(b => b.StatusCodes)),
            Errors = Add(blocks.Select(b => b.Errors)),
        };
    }

    /// <summary>
    /// Summaries merged without their histograms: min and max are the whole's, the mean and the
    /// standard deviation are pooled by each part's count (exact when the counts are the recorded
    /// values', as failures' are; schedule lag is weighted by requests sent); a merged percentile
    /// lies between the parts' lowest and highest, so the highest is given, an upper bound.
    /// </summary>
    private static LatencySummary? Bound(IReadOnlyList<(LatencySummary Summary, long Weight)> parts)
    {
        if (parts.Count == 0)
        {
            return null;
        }

        var weight = Math.Max(1, parts.Sum(p => p.Weight));
        var mean = parts.Sum(p => p.Summary.Mean * p.Weight) / weight;
        var variance = (parts.Sum(p => p.Weight * ((p.Summary.StdDev * p.Summary.StdDev) + (p.Summary.Mean * p.Summary.Mean))) / weight) - (mean * mean);
        return new LatencySummary
        {
            Min = parts.Min(p => p.Summary.Min),
            Mean = Math.Round(mean, 3),
            Max = parts.Max(p => p.Summary.Max),
            StdDev = Math.Round(Math.Sqrt(Math.Max(0, variance)), 3),
            P50 = parts.Max(p => p.Summary.P50),
            P75 = parts.Max(p => p.Summary.P75),
            P90 = parts.Max(p => p.Summary.P90),
            P95 = parts.Max(p => p.Summary.P95),
            P99 = parts.Max(p => p.Summary.P99),
            P999 = parts.Max(p => p.Summary.P999),
        };
    }

    private static Dictionary<string, long> Add(IEnumerable<Dictionary<string, long>> counts)
    {
        var sum = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in counts.SelectMany(c => c))
        {
            sum[key] = sum.GetValueOrDefault(key) + value;
        }

        return sum;
    }

    private static ServerSample Shifted(ServerSample s, double offset) => new()
    {
        T = Math.Round(s.T + offset, 3),
        Up = s.Up,
        Gap = s.Gap,
        PoolThreads = s.PoolThreads,
        QueueLength = s.QueueLength,
        CompletedPerSecond = s.CompletedPerSecond,
        Cpu = s.Cpu,
        WorkingSetBytes = s.WorkingSetBytes,
        InFlightRequests = s.InFlightRequests,
        SchedulingDelayMs = s.SchedulingDelayMs,
        GcPauseFraction = s.GcPauseFraction,
    };
}
