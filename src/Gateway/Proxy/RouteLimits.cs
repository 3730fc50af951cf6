using System.Collections.Frozen;
using System.Threading.RateLimiting;
using Gateway.Options;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy;

/// <summary>
/// Overload protection: one concurrency limiter per route, <see cref="GatewayLimitOptions.MaxConcurrentRequests"/>
/// requests in progress each, beyond which a request is refused at once (or waits in a queue of
/// <see cref="GatewayLimitOptions.QueueLength"/>).
/// </summary>
/// <remarks>
/// ASP.NET Core's rate-limiting middleware did this before, and cost 1.7% of the gateway's CPU
/// under load plus 0.45% for its per-request instruments (perf, docs/measurements.md#against-bare-yarp):
/// a middleware layer, a policy lookup, a partitioned limiter whose partition is found under a
/// lock by hashing the route's name, and three instrument updates per request. Here the route's
/// limiter is found by its id in a frozen dictionary built once, the lease is taken inside the
/// forwarding middleware that runs anyway, and the counts are read from the limiters' own
/// statistics when metrics are collected (<see cref="Telemetry.GatewayTelemetry"/>), not updated
/// per request.
/// </remarks>
public sealed class RouteLimits : IDisposable
{
    private readonly FrozenDictionary<string, ConcurrencyLimiter> _byRoute;

    public RouteLimits(IOptions<GatewayLimitOptions> options)
    {
        var limits = options.Value;
        Limits = limits;
        _byRoute = GatewayRoutes.Known.Select(route => route.Id).Append(GatewayRoutes.CatchAllRouteId).ToFrozenDictionary(
            id => id,
            _ => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = limits.MaxConcurrentRequests,
                QueueLimit = limits.QueueLength,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }),
            StringComparer.Ordinal);
    }

    public GatewayLimitOptions Limits { get; }

    /// <summary>Every route's limiter, by route id.</summary>
    public IReadOnlyDictionary<string, ConcurrencyLimiter> ByRoute => _byRoute;

    /// <summary>
    /// A lease for one request on <paramref name="routeId"/>: acquired at once when the route has a
    /// free slot, after waiting in the route's queue when it has room, refused otherwise. Throws
    /// <see cref="OperationCanceledException"/> when the client leaves while waiting.
    /// </summary>
    public ValueTask<RateLimitLease> AcquireAsync(string routeId, CancellationToken requestAborted) =>
        _byRoute.TryGetValue(routeId, out var limiter)
            ? limiter.AcquireAsync(1, requestAborted)
            : throw new InvalidOperationException($"Route '{routeId}' has no limiter: every route in GatewayRoutes gets one.");

    public void Dispose()
    {
        foreach (var limiter in _byRoute.Values)
        {
            limiter.Dispose();
        }
    }
}
