using Gateway.Options;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy;

/// <summary>
/// Sends a GET or HEAD again, to another replica, when the first could not even be connected to.
/// A killed replica then costs its clients nothing: the requests it refused never reached it,
/// so trying elsewhere cannot run anything twice. Requests that did reach a replica are not
/// retried.
/// </summary>
public sealed class RetryUnreachedMiddleware(RequestDelegate next, IOptions<GatewayOptions> options, GatewayTelemetry telemetry)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        bool safeToRepeat = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        IReadOnlyList<DestinationState> candidates = proxy.AvailableDestinations;
        for (int attempt = 1; ; attempt++)
        {
            await next(context).ConfigureAwait(false);

            var error = context.Features.Get<IForwarderErrorFeature>();
            if (!safeToRepeat || attempt >= options.Value.MaxAttempts || context.Response.HasStarted
                || !error.NeverReached() || proxy.ProxiedDestination is not { } refused)
            {
                return;
            }

            candidates = [.. candidates.Where(destination => !ReferenceEquals(destination, refused))];
            if (candidates.Count == 0)
            {
                return;
            }

            telemetry.Retried(proxy.Route.Config.RouteId, refused.DestinationId);

            // Forget the failed attempt: its 502, its error, the destination it picked.
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
            proxy.AvailableDestinations = candidates;
        }
    }
}
