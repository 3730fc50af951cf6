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
    private double _generatorCpu;

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
        _meter.CreateObservableGauge("harness.load.latency", () => Read(s => new[]
        {
            new Measurement<double>(s.P50 / 1000, new("scenario", s.Name), new("quantile", "0.5")),
            new Measurement<double>(s.P99 / 1000, new("scenario", s.Name), new("quantile", "0.99")),
        }), "s", "Client-side latency percentiles over the last interval (open model: from the intended start).");
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

                var stats = s.Interval.Stats;
                state.Ok += stats.Ok;
                state.Fail += stats.Fail;
                state.Dropped += stats.Dropped;
                state.Load = s.Finished ? 0 : s.LoadLevel;
                state.InFlight = s.Finished ? 0 : s.InFlight;
                state.OkRps = s.Finished ? 0 : stats.OkRps;
                state.P50 = stats.Latency.P50;
                state.P99 = stats.Latency.P99;
            }

            _generatorCpu = tick.Generator.Cpu;
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

        public double P50 { get; set; }

        public double P99 { get; set; }
    }
}
