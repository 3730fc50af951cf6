using System.Diagnostics.Metrics;

namespace Harness.Load;

/// <summary>
/// The engine's own view for Prometheus (harness_load_*), fed once per interval from the run's
/// figures: the client side beside the servers' own metrics, at no cost per request.
/// </summary>
public sealed class LoadMetrics : IRunObserver, IDisposable
{
    public const string MeterName = "Harness.LoadTests";

    private readonly Meter _meter = new(MeterName);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, State> _scenarios = [];
    private readonly Histogram<double> _latency;
    private double _generatorCpu;

    /// <summary>Seconds; dense from 0.5 s to 10 s, where the seed's aggregations land (one call of 1 s, ten in a row 10 s), up to the 120 s the servers' own buckets reach.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 9, 10, 12.5, 15, 20, 30, 60, 120];

    public LoadMetrics()
    {
        _meter.CreateObservableCounter("harness.load.requests", () => Read(s => new[]
        {
            new Measurement<long>(s.Ok, new("scenario", s.Name), new("outcome", "ok")),
            new Measurement<long>(s.Fail, new("scenario", s.Name), new("outcome", "fail")),
            new Measurement<long>(s.Dropped, new("scenario", s.Name), new("outcome", "dropped")),
        }), "{request}", "Requests the load engine completed, by scenario and outcome (dropped: not sent, in-flight cap reached).");
        _meter.CreateObservableGauge("harness.load.users", () => Read(s => new[] { new Measurement<double>(s.Load, new KeyValuePair<string, object?>("scenario", s.Name)) }),
            "{user}", "Load asked for now: users (closed model) or requests per second (open model).");
        _meter.CreateObservableGauge("harness.load.in_flight", () => Read(s => new[] { new Measurement<long>(s.InFlight, new KeyValuePair<string, object?>("scenario", s.Name)) }),
            "{request}", "Requests sent and not yet answered.");
        _meter.CreateObservableGauge("harness.load.throughput", () => Read(s => new[] { new Measurement<double>(s.OkRps, new KeyValuePair<string, object?>("scenario", s.Name)) }),
            "{request}/s", "Requests answered OK per second over the last interval, as the client saw them.");
        _latency = _meter.CreateHistogram(
            "harness.load.latency",
            "s",
            "Client-side latency of ok requests (open model: from the intended start); buckets, so several generators' series add up.",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _meter.CreateObservableGauge("harness.load.generator.cpu", () => _generatorCpu, "1", "Share of the machine's CPU the load generator used over the last interval.");
    }

    public void OnTick(RunTick tick)
    {
        lock (_lock)
        {
            foreach (var s in tick.Scenarios)
            {
                if (!_scenarios.TryGetValue(s.Name, out var state))
                {
                    _scenarios[s.Name] = state = new State { Name = s.Name };
                }

                foreach (var interval in s.Intervals)
                {
                    state.Ok += interval.Stats.Ok;
                    state.Fail += interval.Stats.Fail;
                    state.Dropped += interval.Stats.Dropped;
                    RecordLatencies(s.Name, interval.Histogram);
                }

                state.Load = s.Finished ? 0 : s.LoadLevel;
                state.InFlight = s.Finished ? 0 : s.InFlight;
                state.OkRps = s.Finished ? 0 : s.Interval.Stats.OkRps;
            }

            _generatorCpu = tick.Generator.Cpu;
        }
    }

    /// <summary>
    /// The interval's HDR histogram replayed into the Prometheus histogram, once per interval rather
    /// than once per request: each recorded value (to HDR's 3 digits) as many times as it occurred.
    /// </summary>
    private void RecordLatencies(string scenario, string encoded)
    {
        if (encoded.Length == 0 || !_latency.Enabled)
        {
            return;
        }

        var tag = new KeyValuePair<string, object?>("scenario", scenario);
        foreach (var value in HistogramCodec.Decode(encoded).RecordedValues())
        {
            var seconds = value.ValueIteratedTo / 1e6;
            for (long i = 0; i < value.CountAddedInThisIterationStep; i++)
            {
                _latency.Record(seconds, tag);
            }
        }
    }

    private IEnumerable<Measurement<T>> Read<T>(Func<State, IEnumerable<Measurement<T>>> read)
        where T : struct
    {
        lock (_lock)
        {
            return [.. _scenarios.Values.SelectMany(read)];
        }
    }

    public void Dispose() => _meter.Dispose();

    private sealed class State
    {
        public string Name { get; init; } = "";

        public long Ok { get; set; }

        public long Fail { get; set; }

        public long Dropped { get; set; }

        public double Load { get; set; }

        public long InFlight { get; set; }

        public double OkRps { get; set; }
    }
}
