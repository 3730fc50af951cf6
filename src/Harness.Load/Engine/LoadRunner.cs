using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Load;

/// <summary>
/// Runs scenarios (groups side by side, scenarios within a group one after another), cuts their
/// figures into intervals on one timeline with the servers' and the generator's own samples,
/// checks thresholds, and always returns what was measured, however the run ended.
/// </summary>
public sealed class LoadRunner(EngineSettings settings, IReadOnlyList<Threshold> thresholds, ServerSampler? sampler, IRunObserver observer, ILoggerFactory? loggerFactory = null)
{
    /// <summary>How long requests in flight may still finish after Ctrl+C or the time limit.</summary>
    internal static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(2);

    private readonly Dictionary<ScenarioRunner, List<IntervalResult>> _intervals = [];
    private readonly Dictionary<StatsRecorder, List<IntervalResult>> _stepIntervals = [];
    private readonly Dictionary<ScenarioRunner, int> _unreachableIntervals = [];
    private readonly HashSet<ScenarioRunner> _closed = [];
    private readonly GeneratorMonitor _generator = new();
    private readonly List<GeneratorSample> _generatorSamples = [];
    private Task _sampling = Task.CompletedTask;
    private string? _stopReason;
    private double _lastGeneratorSample;

    /// <summary>Runs <paramref name="scenarios"/> and returns what they measured; <paramref name="name"/> names the run (the suite).</summary>
    public async Task<RunResult> RunAsync(IReadOnlyList<ScenarioProps> scenarios, string name, CancellationToken cancellationToken)
    {
        var result = new RunResult { Suite = name };
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        var runners = scenarios.Select(s => new ScenarioRunner(s, settings, loggers.CreateLogger("Harness.Load.Scenario." + s.Name))).ToList();
        foreach (var runner in runners)
        {
            _intervals[runner] = [];
        }

        if (settings.StartAt is { } startAt)
        {
            await WaitUntilAsync(startAt, cancellationToken).ConfigureAwait(false);
        }

        var runStart = Stopwatch.GetTimestamp();
        result.StartedAt = DateTimeOffset.UtcNow;
        result.Segment = settings.Segment.IsWhole ? null : settings.Segment;
        result.RunId = settings.RunId;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var hardStop = new CancellationTokenSource();
        using var interrupted = cancellationToken.Register(() =>
        {
            _stopReason ??= "interrupted";
            CancelAfterGrace(hardStop);
        });

        // A time limit is a deadline, not a wish: it ends the run the way Ctrl+C does, not after the whole drain timeout.
        using var limit = settings.TimeLimit is { } timeLimit
            ? new Timer(
                _ =>
                {
                    Stop($"time limit of {Durations.Format(timeLimit)} reached", stop);
                    CancelAfterGrace(hardStop);
                },
                null,
                timeLimit,
                Timeout.InfiniteTimeSpan)
            : null;

        var groups = runners
            .GroupBy(r => string.IsNullOrEmpty(r.Scenario.Group) ? r.Scenario.Name : r.Scenario.Group)
            .Select(group => RunGroupAsync([.. group], stop.Token, hardStop.Token))
            .ToList();
        var planned = PlannedSeconds(scenarios);

        var all = Task.WhenAll(groups);
        using (var timer = new PeriodicTimer(settings.Interval))
        {
            while (!all.IsCompleted)
            {
                await Task.WhenAny(all, timer.WaitForNextTickAsync(CancellationToken.None).AsTask()).ConfigureAwait(false);
                Tick(runners, runStart, planned, stop);
            }
        }

        Exception? failure = null;
        try
        {
            await all.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A scenario's init or restart failed: keep what the others measured and say why the run stopped.
            failure = ex;
            _stopReason ??= $"failed: {ex.Message}";
        }
        catch (OperationCanceledException)
        {
            _stopReason ??= "interrupted";
        }

        Tick(runners, runStart, planned, stop);
        await _sampling.ConfigureAwait(false);

        result.FinishedAt = DateTimeOffset.UtcNow;
        result.Completed = _stopReason is null;
        result.StopReason = _stopReason ?? "completed";
        result.Scenarios = [.. runners.Where(r => r.Started).Select(r => Summarise(r, runStart))];
        result.Generator = _generatorSamples;
        result.Servers = sampler is null ? [] : [.. sampler.Series];
        result.Warnings = [.. _generator.Warnings, .. runners.Where(r => r.EndedEarly is not null).Select(r => $"scenario '{r.Scenario.Name}' ended early: {r.EndedEarly}")];
        result.Thresholds = Evaluate(result.Scenarios);
        if (failure is not null && result.Scenarios.Count == 0)
        {
            throw failure;
        }

        return result;
    }

    /// <summary>Waits for a wall-clock time to a millisecond or so, so generators on several machines start together.</summary>
    private static async Task WaitUntilAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var left = at - DateTimeOffset.UtcNow;
        if (left > TimeSpan.FromMilliseconds(30))
        {
            await Task.Delay(left - TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }

        // Timers step with the kernel's tick; the last few milliseconds are waited out in short sleeps.
        while (DateTimeOffset.UtcNow < at)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Thread.Sleep(1);
        }
    }

    private async Task RunGroupAsync(List<ScenarioRunner> group, CancellationToken stop, CancellationToken hardStop)
    {
        foreach (var runner in group)
        {
            if (stop.IsCancellationRequested)
            {
                return;
            }

            observer.OnScenarioStarting(runner.Scenario);
            await runner.RunAsync(stop, hardStop).ConfigureAwait(false);
        }
    }

    private void Tick(List<ScenarioRunner> runners, long runStart, double? planned, CancellationTokenSource stop)
    {
        var now = Stopwatch.GetTimestamp();
        var t = Stopwatch.GetElapsedTime(runStart, now).TotalSeconds;
        var ticks = new List<ScenarioTick>();
        double worstLag = 0;
        long dropped = 0;
        foreach (var runner in runners)
        {
            if (!runner.Started || !runner.Stats.IsMeasuring || _closed.Contains(runner))
            {
                continue;
            }

            var finished = runner.Finished;
            var end = finished ? runner.MeasuringEndedAt : now;

            // One interval, or two when the load ended since the last tick: the load's last and the drain's first.
            var cut = runner.Stats.Cut(end, runStart).Where(Kept).ToList();
            if (finished)
            {
                _closed.Add(runner);
            }

            if (cut.Count == 0)
            {
                continue;
            }

            _intervals[runner].AddRange(cut);
            var level = cut.FirstOrDefault(i => !i.Drain)?.LoadLevel ?? 0;
            foreach (var step in runner.Stats.Steps)
            {
                if (!_stepIntervals.TryGetValue(step, out var stepIntervals))
                {
                    _stepIntervals[step] = stepIntervals = [];
                }

                foreach (var stepInterval in step.Cut(end, runStart).Where(Kept))
                {
                    stepInterval.LoadLevel = stepInterval.Drain ? 0 : level;
                    stepIntervals.Add(stepInterval);
                }
            }

            var interval = cut[^1];
            worstLag = Math.Max(worstLag, cut.Max(i => i.Stats.ScheduleLag?.P99 ?? 0));
            dropped += cut.Sum(i => i.Stats.Dropped);
            var totals = runner.Stats.Totals(end);
            ticks.Add(new ScenarioTick(runner.Scenario.Name, interval, totals.Count, totals.Fail, runner.Stats.LoadLevel, runner.Stats.InFlight, finished) { TotalDropped = totals.Dropped, Intervals = cut });

            CheckTargetGone(runner, interval, stop);
            if (runner.Scenario.MaxFailCount > 0 && totals.Fail > runner.Scenario.MaxFailCount)
            {
                Stop($"'{runner.Scenario.Name}' failed {totals.Fail} times, more than its max fail count of {runner.Scenario.MaxFailCount}", stop);
            }

            if (settings.AbortOnThreshold && !finished)
            {
                CheckThresholdsEarly(runner, totals, stop);
            }
        }

        // The last tick may come a few milliseconds after the one before: too short a window to
        // judge the generator's or a server's CPU by (it would be all report-writing and JIT).
        var generator = _generatorSamples.LastOrDefault() ?? new GeneratorSample();
        if (t - _lastGeneratorSample >= settings.Interval.TotalSeconds / 2)
        {
            _lastGeneratorSample = t;
            generator = _generator.Sample(t);
            _generatorSamples.Add(generator);
            foreach (var warning in _generator.Check(generator, worstLag, dropped))
            {
                observer.OnWarning(warning);
            }

            if (sampler is not null)
            {
                // Every sample asks: a server still busy with its last scrape gets a gap, not a silent skip.
                var scrapes = sampler.SampleAsync(t, CancellationToken.None);
                _sampling = _sampling.IsCompleted ? scrapes : Task.WhenAll(_sampling, scrapes);
            }
        }

        observer.OnTick(new RunTick(t, planned, ticks, generator));
    }

    // A sliver under a millisecond (the load ending just after a tick) is kept only if something happened in it, so the intervals still add up to the totals.
    private static bool Kept(IntervalResult interval) => interval.Duration >= 0.001 || interval.Stats.Count + interval.Stats.Dropped > 0;

    private void CheckTargetGone(ScenarioRunner runner, IntervalResult interval, CancellationTokenSource stop)
    {
        var stats = interval.Stats;
        var unreachable = stats.Count > 0 && stats.Ok == 0 && stats.Errors.Count > 0 && stats.Errors.Keys.All(ErrorKinds.IsConnectionLevel);
        _unreachableIntervals[runner] = unreachable ? _unreachableIntervals.GetValueOrDefault(runner) + 1 : 0;
        if (_unreachableIntervals[runner] >= settings.TargetGoneAfterIntervals)
        {
            var kinds = string.Join(", ", stats.Errors.Keys);
            Stop($"target went away: every request of '{runner.Scenario.Name}' failed to connect ({kinds}) for {settings.TargetGoneAfterIntervals} intervals", stop);
        }
    }

    /// <summary>Stops on a threshold only once the end-of-run check could no longer pass it (<see cref="Threshold.FailsForGood"/>).</summary>
    private void CheckThresholdsEarly(ScenarioRunner runner, StatsBlock totals, CancellationTokenSource stop)
    {
        foreach (var threshold in thresholds.Where(t => t.AppliesTo(runner.Scenario.Name)))
        {
            if (threshold.FailsForGood(totals))
            {
                Stop(string.Create(CultureInfo.InvariantCulture, $"threshold failed during the run: {runner.Scenario.Name}: {threshold.Expression} (was {threshold.Read(totals):0.###})"), stop);
                return;
            }
        }
    }

    /// <summary>Someone wants the report now (Ctrl+C, the time limit): requests in flight get <see cref="InterruptGrace"/>, then are cancelled as unfinished.</summary>
    private static void CancelAfterGrace(CancellationTokenSource hardStop)
    {
        try
        {
            hardStop.CancelAfter(InterruptGrace);
        }
        catch (ObjectDisposedException)
        {
            // The run already ended.
        }
    }

    private void Stop(string reason, CancellationTokenSource stop)
    {
        if (_stopReason is null)
        {
            _stopReason = reason;
            observer.OnWarning($"Stopping: {reason}.");
        }

        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run already ended.
        }
    }

    private ScenarioResult Summarise(ScenarioRunner runner, long runStart)
    {
        var stats = runner.Stats;
        var ended = runner.Finished ? runner.MeasuringEndedAt : Stopwatch.GetTimestamp();
        var histogram = stats.OkHistogram;
        var simulations = runner.Scenario.Simulations;
        return new ScenarioResult
        {
            Name = runner.Scenario.Name,
            Group = runner.Scenario.Group,
            Labels = new Dictionary<string, string>(runner.Scenario.Labels),
            Model = simulations.All(s => s.IsOpen || s is LoadSimulation.Pause) ? "open" : simulations.Any(s => s.IsOpen) ? "mixed" : "closed",
            Simulations = [.. simulations.Select(s => s.ToString())],
            Start = Math.Round((stats.MeasuringSince - runStart) / (double)Stopwatch.Frequency, 3),
            End = Math.Round((ended - runStart) / (double)Stopwatch.Frequency, 3),
            DrainSeconds = stats.LoadEndedAt is > 0 and var loadEnd && loadEnd < ended ? Math.Round((ended - loadEnd) / (double)Stopwatch.Frequency, 3) : 0,
            DrainCount = stats.DrainCount,
            Completed = runner.Finished && _stopReason is null,
            EndedEarly = runner.EndedEarly,
            WarmUpCount = stats.WarmUpCount,
            TraceIds = [.. runner.TraceIds],
            Stats = stats.Totals(ended),
            Intervals = _intervals[runner],
            Histogram = HistogramCodec.Encode(histogram),
            Spectrum = Spectrum(histogram),
            Steps = [.. stats.Steps.Select(step => new StepResult
            {
                Name = step.Name,
                Stats = step.Totals(ended),
                Intervals = _stepIntervals.GetValueOrDefault(step) ?? [],
                Histogram = HistogramCodec.Encode(step.OkHistogram),
                Spectrum = Spectrum(step.OkHistogram),
            })],
        };
    }

    private List<ThresholdResult> Evaluate(List<ScenarioResult> scenarios) => RunMerge.Evaluate(thresholds, scenarios);

    /// <summary>Percentiles from 0 to 99.999 and the maximum: the latency distribution on a log scale.</summary>
    internal static List<PercentilePoint> Spectrum(HdrHistogram.HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return [];
        }

        double[] percentiles = [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96.875, 98, 99, 99.5, 99.75, 99.9, 99.95, 99.99, 99.999, 100];
        return [.. percentiles.Select(p => new PercentilePoint(p, Math.Round(histogram.GetValueAtPercentile(p) / 1000.0, 3)))];
    }

    private static double? PlannedSeconds(IReadOnlyList<ScenarioProps> scenarios)
    {
        double longest = 0;
        foreach (var group in scenarios.GroupBy(s => string.IsNullOrEmpty(s.Group) ? s.Name : s.Group))
        {
            double sum = 0;
            foreach (var scenario in group)
            {
                if (scenario.PlannedDuration is not { } duration)
                {
                    return null;
                }

                sum += (duration + scenario.WarmUp).TotalSeconds;
            }

            longest = Math.Max(longest, sum);
        }

        return longest;
    }
}
