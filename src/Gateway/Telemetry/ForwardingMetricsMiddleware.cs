using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Telemetry;

/// <summary>Records each proxied request's outcome once, after every attempt at forwarding it.</summary>
public sealed class ForwardingMetricsMiddleware(RequestDelegate next, GatewayTelemetry telemetry)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context).ConfigureAwait(false);

        var proxy = context.GetReverseProxyFeature();

        // A destination's id is its host:port (GatewayRoutes.Cluster), the label itself: no parsing per request.
        string destination = proxy.ProxiedDestination?.DestinationId ?? "none";
        var error = context.Features.Get<IForwarderErrorFeature>()?.Error;
        telemetry.Forwarded(proxy.Route.Config.RouteId, destination, GatewayTelemetry.Outcome(context.Response.StatusCode, error));
    }
}
