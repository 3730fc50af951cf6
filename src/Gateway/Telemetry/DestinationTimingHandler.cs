using System.Diagnostics;
using Gateway.Proxy;

namespace Gateway.Telemetry;

/// <summary>
/// Times each forwarded request from the moment it is sent to the moment the destination's
/// response headers arrive: the part of the gateway's latency that belongs to the target.
/// </summary>
public sealed class DestinationTimingHandler(HttpMessageHandler inner, GatewayTelemetry telemetry) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var uri = request.RequestUri!;

        // Active health probes come through here too; only proxied /api/ traffic is the targets' share.
        if (uri.AbsolutePath.StartsWith("/api", StringComparison.Ordinal))
        {
            telemetry.WaitedOnDestination(GatewayRoutes.IdOf(uri.AbsolutePath), uri.Authority, Stopwatch.GetElapsedTime(started));
        }

        return response;
    }
}
