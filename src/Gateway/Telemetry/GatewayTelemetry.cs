using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Gateway.Proxy;
using Harness.ServiceDefaults;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Telemetry;

/// <summary>
/// Owns the gateway's <see cref="Meter"/>: what YARP did with each request, from the request's
/// own proxy and error features (the facts YARP's telemetry events carry, read where they are
/// produced instead of through an EventListener).
/// </summary>
public sealed class GatewayTelemetry : IDisposable
{
    public const string Name = "Harness.Gateway";

    /// <summary>
    /// Instruments that ASP.NET Core records on every proxied request and that no dashboard, test
    /// or report reads from the gateway: dropped, so they are not even enabled. HttpClient's meters
    /// are not collected at all (<c>AddServiceDefaults(…, httpClientMetrics: false)</c>): what the
    /// dashboards show of them the gateway publishes itself, per destination, without their cost
    /// on every request (<see cref="UpstreamConnections"/>, <c>harness.gateway.requests</c>,
    /// <c>harness.gateway.destination.duration</c>). Together with the authorization middleware
    /// these were most of what the gateway spent per request beyond bare YARP (perf,
    /// bench/gateway-vs-nginx.sh). Everything the dashboards query stays: http.server.*, kestrel.*,
    /// and the gateway's own.
    /// </summary>
    public static IReadOnlyList<string> DroppedPerRequestInstruments { get; } =
    [
        "aspnetcore.routing.match_attempts",
        "aspnetcore.memory_pool.*",
    ];

    private readonly Meter _meter;
    private readonly Counter<long> _forwarded;
    private readonly Histogram<double> _destinationDuration;
    private readonly Counter<long> _retries;
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _destinationLabels =
        new ConcurrentDictionary<string, string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    public GatewayTelemetry(IMeterFactory meterFactory, IServiceProvider services, RouteLimits limits, UpstreamConnections connections)
    {
        // Looked up when the gauges are read: YARP's state depends on the forwarder's client
        // factory, which depends on this class, so asking for it here would be a cycle.
        var proxyState = new Lazy<IProxyStateLookup>(services.GetRequiredService<IProxyStateLookup>);
        _meter = meterFactory.Create(Name);
        _forwarded = _meter.CreateCounter<long>(
            "harness.gateway.requests", "{request}",
            "Requests the gateway forwarded, by route, destination and outcome (2xx…5xx, or YARP's error kind when forwarding failed).");
        _destinationDuration = _meter.CreateHistogram(
            "harness.gateway.destination.duration", "s",
            "Time waiting on the destination for its answer's headers, by route and destination; the gateway's own time is its request duration minus this.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.Seconds });
        _retries = _meter.CreateCounter<long>(
            "harness.gateway.retries", "{request}",
            "GETs sent again to another replica because the destination refused the connection.");
        _meter.CreateObservableGauge(
            "harness.gateway.destinations.available", () => CountDestinations(proxyState, available: true), "{destination}",
            "Destinations the gateway sends traffic to now (healthy, or all of them when none is).");
        _meter.CreateObservableGauge(
            "harness.gateway.destinations.configured", () => CountDestinations(proxyState, available: false), "{destination}",
            "Destinations configured or resolved from DNS.");
        _meter.CreateObservableUpDownCounter(
            "harness.gateway.upstream.connections", connections.Observe, "{connection}",
            "Connections the gateway has open to each destination (host:port), counted as they open and close; health probes use them too.");

        // Read from the limiters' own statistics when metrics are collected: nothing per request.
        _meter.CreateObservableCounter(
            "harness.gateway.limiter.requests", () => LimiterCounts(limits), "{request}",
            "Proxied requests the route limits let through (result=acquired) or refused with 503 (result=rejected), by route.");
        _meter.CreateObservableUpDownCounter(
            "harness.gateway.limiter.active", () => LimiterGauge(limits, statistics => limits.Limits.MaxConcurrentRequests - statistics.CurrentAvailablePermits), "{request}",
            "Proxied requests holding a slot in their route's limit now (Limits:MaxConcurrentRequests per route).");
        _meter.CreateObservableUpDownCounter(
            "harness.gateway.limiter.queued", () => LimiterGauge(limits, statistics => statistics.CurrentQueuedCount), "{request}",
            "Proxied requests waiting for a slot in their route's limit now (Limits:QueueLength per route).");
    }

    public void Forwarded(string route, string destination, string outcome) =>
        _forwarded.Add(1, new("route", route), new("destination", destination), new("outcome", outcome));

    public void WaitedOnDestination(string route, string destination, TimeSpan waited) =>
        _destinationDuration.Record(waited.TotalSeconds, new("route", route), new("destination", destination));

    /// <summary>A GET sent again elsewhere; <paramref name="refusedDestination"/> is the refusing destination's id (its host:port, as in every label).</summary>
    public void Retried(string route, string refusedDestination) =>
        _retries.Add(1, new("route", route), new("destination", refusedDestination));

    /// <summary>
    /// The label for the destination at <paramref name="authority"/> (its host:port): the same string
    /// every time, made once per destination rather than once per request.
    /// </summary>
    public string DestinationLabel(ReadOnlySpan<char> authority) =>
        _destinationLabels.TryGetValue(authority, out var label) ? label : _destinationLabels.Dictionary.GetOrAdd(authority.ToString(), static key => key);

    /// <summary>2xx, 3xx, 4xx or 5xx for an answer; YARP's error kind in snake case when forwarding failed.</summary>
    public static string Outcome(int statusCode, ForwarderError? error) => error switch
    {
        null or ForwarderError.None => (statusCode / 100) switch
        {
            1 => "1xx",
            2 => "2xx",
            3 => "3xx",
            4 => "4xx",
            5 => "5xx",
            _ => (statusCode / 100) + "xx",
        },
        ForwarderError.Request => "request_failed",
        ForwarderError.RequestTimedOut => "request_timed_out",
        ForwarderError.RequestCanceled => "client_canceled",
        ForwarderError.NoAvailableDestinations => "no_available_destinations",
        ForwarderError.ResponseBodyDestination => "response_body_failed",
        { } other => other.ToString().ToLowerInvariant(),
    };

    private static IEnumerable<Measurement<int>> CountDestinations(Lazy<IProxyStateLookup> proxyState, bool available)
    {
        foreach (var cluster in proxyState.Value.GetClusters())
        {
            var destinations = cluster.DestinationsState;
            int count = available ? destinations.AvailableDestinations.Count : destinations.AllDestinations.Count;
            yield return new Measurement<int>(count, new KeyValuePair<string, object?>("cluster", cluster.ClusterId));
        }
    }

    private static IEnumerable<Measurement<long>> LimiterCounts(RouteLimits limits)
    {
        foreach (var (route, limiter) in limits.ByRoute)
        {
            if (limiter.GetStatistics() is { } statistics)
            {
                yield return new Measurement<long>(statistics.TotalSuccessfulLeases, new("route", route), new("result", "acquired"));
                yield return new Measurement<long>(statistics.TotalFailedLeases, new("route", route), new("result", "rejected"));
            }
        }
    }

    private static IEnumerable<Measurement<long>> LimiterGauge(RouteLimits limits, Func<RateLimiterStatistics, long> value)
    {
        foreach (var (route, limiter) in limits.ByRoute)
        {
            if (limiter.GetStatistics() is { } statistics)
            {
                yield return new Measurement<long>(value(statistics), new KeyValuePair<string, object?>("route", route));
            }
        }
    }

    public void Dispose() => _meter.Dispose();
}
