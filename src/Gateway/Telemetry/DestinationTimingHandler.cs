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

        // Active health probes come through here too; only proxied /api/ traffic is the targets' share
        // (routed as ASP.NET Core routes: whatever the case).
        if (ProxiedParts(request.RequestUri!.OriginalString, out var authority, out var path) && path.StartsWith("/api", StringComparison.OrdinalIgnoreCase))
        {
            telemetry.WaitedOnDestination(GatewayRoutes.IdOf(path), telemetry.DestinationLabel(authority), Stopwatch.GetElapsedTime(started));
        }

        return response;
    }

    /// <summary>
    /// The host:port and the path of an absolute URL, read from the string YARP built it from (the
    /// destination's address, then the path and query): <see cref="Uri.Authority"/> and
    /// <see cref="Uri.AbsolutePath"/> would each make a new string per request.
    /// </summary>
    public static bool ProxiedParts(string url, out ReadOnlySpan<char> authority, out ReadOnlySpan<char> path)
    {
        var rest = url.AsSpan();
        int scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            authority = path = default;
            return false;
        }

        rest = rest[(scheme + 3)..];
        int pathStart = rest.IndexOf('/');
        authority = pathStart < 0 ? rest : rest[..pathStart];
        path = pathStart < 0 ? "/" : rest[pathStart..];
        int query = path.IndexOfAny('?', '#');
        path = query < 0 ? path : path[..query];
        return true;
    }
}
