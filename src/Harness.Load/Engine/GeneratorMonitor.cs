using System.Diagnostics;

namespace Harness.Load;

/// <summary>
/// The load generator watching itself: when it runs out of CPU, pauses for GC, or cannot get
/// its own work scheduled, the figures describe the generator, not the server, and the report
/// must say so.
/// </summary>
internal sealed class GeneratorMonitor
{
    internal const double CpuWarning = 0.5;
    internal const double GcWarning = 0.1;
    internal const long QueueWarning = 1000;
    internal const double LagWarningMs = 20;

    private readonly Process _self = Process.GetCurrentProcess();
    private readonly Dictionary<string, string> _warnings = [];
    private TimeSpan _lastCpu;
    private TimeSpan _lastPause;
    private long _lastAt;

    public GeneratorMonitor()
    {
        _lastCpu = _self.TotalProcessorTime;
        _lastPause = GC.GetTotalPauseDuration();
        _lastAt = Stopwatch.GetTimestamp();
    }

    public IReadOnlyCollection<string> Warnings => _warnings.Values;

    public GeneratorSample Sample(double t)
    {
        _self.Refresh();
        var now = Stopwatch.GetTimestamp();
        var wall = Stopwatch.GetElapsedTime(_lastAt, now);
        var cpu = _self.TotalProcessorTime;
        var pause = GC.GetTotalPauseDuration();
        var sample = new GeneratorSample
        {
            T = Math.Round(t, 3),
            Cpu = Math.Round((cpu - _lastCpu) / wall / Environment.ProcessorCount, 4),
            GcPauseFraction = Math.Round((pause - _lastPause) / wall, 4),
            PoolThreads = ThreadPool.ThreadCount,
            PoolQueue = ThreadPool.PendingWorkItemCount,
            WorkingSetBytes = _self.WorkingSet64,
        };
        _lastCpu = cpu;
        _lastPause = pause;
        _lastAt = now;
        return sample;
    }

    /// <summary>Adds a warning (once per kind) for each limit this interval broke; returns the new ones.</summary>
    public IEnumerable<string> Check(GeneratorSample sample, double worstLagP99Ms, long dropped)
    {
        var at = TimeSpan.FromSeconds(sample.T).ToString(@"mm\:ss", System.Globalization.CultureInfo.InvariantCulture);
        if (sample.Cpu >= CpuWarning && Add("cpu", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"At {at} the load generator used {sample.Cpu * 100:0}% of the machine's CPU: on a machine shared with the servers, the figures may be limited by the generator.")))
        {
            yield return _warnings["cpu"];
        }

        if (sample.GcPauseFraction >= GcWarning && Add("gc", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"At {at} the load generator spent {sample.GcPauseFraction * 100:0}% of its time paused for GC: latencies include its pauses.")))
        {
            yield return _warnings["gc"];
        }

        if (sample.PoolQueue >= QueueWarning && Add("queue", $"At {at} {sample.PoolQueue} work items waited for the generator's thread pool: it could not keep up with the responses."))
        {
            yield return _warnings["queue"];
        }

        if (worstLagP99Ms >= LagWarningMs && Add("lag", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"At {at} open-model requests left up to {worstLagP99Ms:0} ms late (p99): the generator could not keep to the schedule. Latency is still counted from the intended start.")))
        {
            yield return _warnings["lag"];
        }

        if (dropped > 0 && Add("dropped", $"At {at} arrivals were dropped at the in-flight cap: the server answered too slowly for the rate asked; see 'dropped' per scenario."))
        {
            yield return _warnings["dropped"];
        }
    }

    private bool Add(string kind, string message) => _warnings.TryAdd(kind, message);
}
