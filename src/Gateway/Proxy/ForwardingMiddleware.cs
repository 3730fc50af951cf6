using System.Threading.RateLimiting;
using Gateway.Options;
using Gateway.Telemetry;
using Harness.ServiceDefaults;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy;

/// <summary>
/// Around YARP's forwarding, once per proxied request: takes a slot in the route's limit (or
/// refuses the request with 503), retries what never reached a replica, then records the
/// request's outcome (after every attempt, so a retried request counts once).
/// </summary>
/// <remarks>
/// A GET or HEAD whose destination refused the connection is sent again, to another replica. A
/// killed replica then costs its clients nothing: the requests it refused never reached it, so
/// trying elsewhere cannot run anything twice. Requests that did reach a replica are not retried.
/// One middleware rather than three (limit, retry, metrics) saves layers per request; they were
/// part of what the gateway cost beyond bare YARP (docs/measurements.md#against-bare-yarp).
/// </remarks>
public sealed class ForwardingMiddleware(RequestDelegate next, IOptions<GatewayOptions> options, RouteLimits limits, GatewayTelemetry telemetry)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        RateLimitLease lease;
        try
        {
            lease = await limits.AcquireAsync(proxy.Route.Config.RouteId, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // The client left while its request waited in the route's queue: nobody to answer.
        }

        using var _ = lease;
        if (!lease.IsAcquired)
        {
            await ConcurrencyLimits.RejectAsync(context, limits.Limits.RetryAfterSeconds, GatewayLimitOptions.Section).ConfigureAwait(false);
            return;
        }

        // Read before forwarding: load balancing narrows the feature's list to the one it picked.
        IReadOnlyList<DestinationState> candidates = proxy.AvailableDestinations;
        for (int attempt = 1; ; attempt++)
        {
            await next(context).ConfigureAwait(false);

            var error = context.Features.Get<IForwarderErrorFeature>();
            if (error is null || !ShouldRetry(context, error, attempt, proxy, ref candidates))
            {
                // A destination's id is its host:port (GatewayRoutes.Cluster), the label itself: no parsing per request.
                telemetry.Forwarded(
                    proxy.Route.Config.RouteId,
                    proxy.ProxiedDestination?.DestinationId ?? "none",
                    GatewayTelemetry.Outcome(context.Response.StatusCode, error?.Error));
                return;
            }

            // Forget the failed attempt: its 502, its error, the destination it picked.
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
            proxy.AvailableDestinations = candidates;
        }
    }

    /// <summary>Whether to try again, and where: every candidate but the one that refused.</summary>
    private bool ShouldRetry(
        HttpContext context, IForwarderErrorFeature error, int attempt, IReverseProxyFeature proxy, ref IReadOnlyList<DestinationState> candidates)
    {
        bool safeToRepeat = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        if (!safeToRepeat || attempt >= options.Value.MaxAttempts || context.Response.HasStarted
            || !error.NeverReached() || proxy.ProxiedDestination is not { } refused)
        {
            return false;
        }

        candidates = [.. candidates.Where(destination => !ReferenceEquals(destination, refused))];
        if (candidates.Count == 0 && attempt == 1)
        {
            // Health checks had left only the one that refused (say, the other replica failed two
            // probes by being slow on a busy machine): a slow replica still beats a certain 502,
            // as with every replica out (HealthyOrPanic). Only after the first refusal, so that a
            // request makes at most one pass over the destinations.
            candidates = [.. proxy.AllDestinations.Where(destination => !ReferenceEquals(destination, refused))];
        }

        if (candidates.Count == 0)
        {
            return false;
        }

        telemetry.Retried(proxy.Route.Config.RouteId, refused.DestinationId);
        return true;
    }
}
