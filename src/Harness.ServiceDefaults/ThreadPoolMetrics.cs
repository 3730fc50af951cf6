using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;

namespace Harness.ServiceDefaults;

/// <summary>
/// Owns the <c>Harness.Runtime</c> meter: the thread pool as real gauges and counters.
/// </summary>
/// <remarks>
/// The runtime's own <c>dotnet.thread_pool.thread.count</c> and <c>.queue.length</c> reach
/// Prometheus as <c>_total</c> counters on .NET 10, which invites a wrong <c>rate()</c>. These
/// instruments say what they are. The scheduling-delay probe measures the symptom directly: how
/// long a work item waits before a pool thread picks it up. A healthy pool answers in
/// microseconds; a starved one in seconds, and the gauge climbs while the stall lasts.
/// </remarks>
public sealed class ThreadPoolMetrics : BackgroundService
{
    public const string MeterName = "Harness.Runtime";

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(200);

    private readonly Meter _meter;
    private readonly Histogram<double> _schedulingDelay;
    private long _probeQueuedAt;
    private long _lastDelayTicks;

    public ThreadPoolMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableGauge(
            "harness.thread_pool.threads", () => ThreadPool.ThreadCount, "{thread}",
            "Threads in the thread pool right now.");
        _meter.CreateObservableGauge(
            "harness.thread_pool.queue.length", () => ThreadPool.PendingWorkItemCount, "{work_item}",
            "Work items queued and waiting for a pool thread.");
        _meter.CreateObservableCounter(
            "harness.thread_pool.work_items.completed", () => ThreadPool.CompletedWorkItemCount, "{work_item}",
            "Work items the thread pool has completed since the process started.");
        _meter.CreateObservableGauge(
            "harness.thread_pool.min_threads", () => { ThreadPool.GetMinThreads(out int workers, out _); return workers; }, "{thread}",
            "Worker threads the pool creates without delay (ThreadPool:MinThreads).");
        _meter.CreateObservableGauge(
            "harness.thread_pool.scheduling_delay.current", ObserveCurrentDelay, "s",
            "How long the latest probe work item waited for a pool thread; while a probe is still waiting, how long it has waited so far.");
        _schedulingDelay = _meter.CreateHistogram(
            "harness.thread_pool.scheduling_delay", "s",
            "Time a probe work item waited in the thread-pool queue before a thread ran it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
    }

    /// <summary>The latest observed delay, or the age of a probe still waiting (so a stall shows while it happens).</summary>
    public TimeSpan CurrentSchedulingDelay
    {
        get
        {
            long queuedAt = Volatile.Read(ref _probeQueuedAt);
            var pending = queuedAt == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(queuedAt);
            var last = TimeSpan.FromTicks(Volatile.Read(ref _lastDelayTicks));
            return pending > last ? pending : last;
        }
    }

    private double ObserveCurrentDelay() => CurrentSchedulingDelay.TotalSeconds;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The probe's clock runs on its own thread: a timer callback would itself wait for the pool
        // it is trying to measure, and a stall would go unreported until it ended.
        var thread = new Thread(() => ProbeLoop(stoppingToken), maxStackSize: 128 * 1024)
        {
            IsBackground = true,
            Name = "harness-threadpool-probe",
        };
        thread.Start();
        return Task.CompletedTask;
    }

    private void ProbeLoop(CancellationToken stoppingToken)
    {
        while (!stoppingToken.WaitHandle.WaitOne(ProbeInterval))
        {
            // One probe in flight at a time: while the pool is stuck, the pending one keeps ageing.
            if (Volatile.Read(ref _probeQueuedAt) != 0)
            {
                continue;
            }

            Volatile.Write(ref _probeQueuedAt, Stopwatch.GetTimestamp());
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.ProbeRan(), this, preferLocal: false);
        }
    }

    private void ProbeRan()
    {
        var delay = Stopwatch.GetElapsedTime(Volatile.Read(ref _probeQueuedAt));
        Volatile.Write(ref _lastDelayTicks, delay.Ticks);
        Volatile.Write(ref _probeQueuedAt, 0);
        _schedulingDelay.Record(delay.TotalSeconds);
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }
}
