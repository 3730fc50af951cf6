using System.Diagnostics;
using System.Diagnostics.Metrics;
using Harness.ServiceDefaults;
using TargetApp.Aggregation;

namespace TargetApp.Diagnostics;

/// <summary>Owns TargetApp's <see cref="Meter"/> and <see cref="ActivitySource"/>.</summary>
public sealed class TargetAppTelemetry : IDisposable
{
    public const string Name = "Harness.TargetApp";

    private readonly Meter _meter;
    private readonly Histogram<double> _aggregationDuration;
    private readonly UpDownCounter<long> _aggregationsActive;
    private readonly Counter<long> _downstreamCalls;
    private readonly UpDownCounter<long> _blockedThreads;
    private readonly UpDownCounter<long> _dedicatedThreads;

    public TargetAppTelemetry(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        _aggregationDuration = _meter.CreateHistogram(
            "harness.aggregation.duration", "s",
            "Time to answer one aggregation request, by mode and outcome (ok, partial, canceled).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.Seconds });
        _aggregationsActive = _meter.CreateUpDownCounter<long>(
            "harness.aggregation.active", "{request}", "Aggregation requests in progress, by mode.");
        _downstreamCalls = _meter.CreateCounter<long>(
            "harness.downstream.calls", "{call}",
            "Downstream calls made by aggregations, by mode and outcome (ok, error, timeout, canceled).");
        _blockedThreads = _meter.CreateUpDownCounter<long>(
            "harness.blocked_threads", "{thread}",
            "Threads blocked right now by the blocking modes, by mode and reason (sync_io: inside a synchronous call; sync_over_async: waiting on a task).");
        _dedicatedThreads = _meter.CreateUpDownCounter<long>(
            "harness.dedicated_threads", "{thread}", "Dedicated (non-pool) threads alive in the dedicated mode.");
    }

    public ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>Starts the span and in-flight count of one aggregation; dispose to record its duration.</summary>
    public AggregationScope StartAggregation(AggregationMode mode, int fanOut, int delayMs) => new(this, mode, fanOut, delayMs);

    public void DownstreamCallCompleted(AggregationMode mode, string outcome) =>
        _downstreamCalls.Add(1, new("mode", mode.Tag()), new("outcome", outcome));

    /// <summary>Counts the calling thread as blocked until the returned scope is disposed.</summary>
    public BlockedThread Blocking(AggregationMode mode, string reason) => new(_blockedThreads, new("mode", mode.Tag()), new("reason", reason));

    public void DedicatedThreadStarted() => _dedicatedThreads.Add(1);

    public void DedicatedThreadEnded() => _dedicatedThreads.Add(-1);

    public void Dispose()
    {
        ActivitySource.Dispose();
        _meter.Dispose();
    }

    public readonly struct BlockedThread : IDisposable
    {
        private readonly UpDownCounter<long> _counter;
        private readonly KeyValuePair<string, object?> _mode;
        private readonly KeyValuePair<string, object?> _reason;

        internal BlockedThread(UpDownCounter<long> counter, KeyValuePair<string, object?> mode, KeyValuePair<string, object?> reason)
        {
            (_counter, _mode, _reason) = (counter, mode, reason);
            _counter.Add(1, _mode, _reason);
        }

        public void Dispose() => _counter.Add(-1, _mode, _reason);
    }

    public sealed class AggregationScope : IDisposable
    {
        private readonly TargetAppTelemetry _owner;
        private readonly KeyValuePair<string, object?> _mode;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly Activity? _activity;
        private string _outcome = "canceled";

        internal AggregationScope(TargetAppTelemetry owner, AggregationMode mode, int fanOut, int delayMs)
        {
            _owner = owner;
            _mode = new("mode", mode.Tag());
            _owner._aggregationsActive.Add(1, _mode);
            _activity = owner.ActivitySource.StartActivity("aggregate " + mode.Tag());
            _activity?.SetTag("harness.mode", mode.Tag());
            _activity?.SetTag("harness.fan_out", fanOut);
            _activity?.SetTag("harness.delay_ms", delayMs);
        }

        public void Completed(int failed)
        {
            _outcome = failed == 0 ? "ok" : "partial";
            _activity?.SetTag("harness.failed_calls", failed);
            if (failed > 0)
            {
                _activity?.SetStatus(ActivityStatusCode.Error, $"{failed} downstream calls failed");
            }
        }

        public void Dispose()
        {
            _owner._aggregationsActive.Add(-1, _mode);
            _owner._aggregationDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, _mode, new("outcome", _outcome));
            _activity?.Dispose();
        }
    }
}
