using System.Net;
using Gateway.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace Gateway.Proxy;

/// <summary>
/// The proxy's routes and its one cluster. One route per TargetApp route, so that every metric
/// (the gateway's and ASP.NET Core's <c>http.route</c>) keeps the aggregation modes apart.
/// </summary>
public static class GatewayRoutes
{
    public const string ClusterId = "targets";
    public const string CatchAllRouteId = "api";

    /// <summary>Route id and path; the id is the mode's metric tag, as in TargetApp.</summary>
    public static IReadOnlyList<(string Id, string Path)> Known { get; } =
    [
        ("downstream", "/api/"),
        ("async", "/api/aggregated/"),
        ("sync", "/api/aggregated_sync/"),
        ("sync_over_async", "/api/aggregated_sync_over_async/"),
        ("threadpool", "/api/aggregated_threadpool/"),
        ("offload", "/api/aggregated_offload/"),
        ("dedicated", "/api/aggregated_dedicated/"),
    ];

    /// <summary>The route id of a proxied path (paths are forwarded unchanged).</summary>
    public static string IdOf(ReadOnlySpan<char> path)
    {
        var trimmed = path.TrimEnd('/');
        foreach (var (id, routePath) in Known)
        {
            if (trimmed.Equals(routePath.AsSpan().TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                return id;
            }
        }

        return CatchAllRouteId;
    }

    public static IReadOnlyList<RouteConfig> Routes() =>
    [
        .. Known.Select(route => Route(route.Id, route.Path)),
        // Anything else under /api/ still reaches a target (which answers 404); nothing outside /api/ does.
        Route(CatchAllRouteId, "/api/{**rest}"),
    ];

    public static ClusterConfig Cluster(GatewayOptions options, IEnumerable<Uri> destinations) => new()
    {
        ClusterId = ClusterId,
        LoadBalancingPolicy = options.LoadBalancingPolicy,
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = options.HealthCheckInterval,
                Timeout = options.HealthCheckTimeout,
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                Path = "/health/ready",
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = ConnectFailureHealthPolicy.PolicyName,
                ReactivationPeriod = options.ReactivationPeriod,
            },

            // A starving replica fails its probes too; with every replica out, keep sending to all
            // of them (so the starvation is measured as latency) rather than answer 503 ourselves.
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
        },
        HttpRequest = new ForwarderRequestConfig
        {
            // YARP answers 504 itself when this fires. (A route-level Timeout would instead cancel
            // the request as if the client had left, and the caller would get a 400.) Harness's
            // answers are single JSON bodies, so no activity happens between request and headers
            // and this bounds the whole request.
            ActivityTimeout = options.RequestTimeout,
            Version = options.TargetProtocol == TargetProtocol.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,

            // Cleartext HTTP/2 has no negotiation: it is spoken from the first byte or not at all.
            VersionPolicy = options.TargetProtocol == TargetProtocol.Http2 ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        },
        Destinations = destinations.ToDictionary(
            address => address.Authority,
            address => new DestinationConfig { Address = address.GetLeftPart(UriPartial.Authority) + "/" }),
    };

    private static RouteConfig Route(string id, string path) => new()
    {
        RouteId = id,
        ClusterId = ClusterId,
        Match = new RouteMatch { Path = path },
    };
}
