using Gateway.Options;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy;

/// <summary>
/// Serves the proxy configuration from <see cref="GatewayOptions"/>: a fixed list of targets, or
/// the addresses a DNS name resolves to, replaced whenever <see cref="DnsTargetsWatcher"/> sees them change.
/// </summary>
public sealed class GatewayConfigProvider(IOptions<GatewayOptions> options) : IProxyConfigProvider
{
    private readonly Lock _gate = new();
    private volatile Snapshot? _current;

    // Options are read on first use, not at construction: the proxy pipeline is built before the
    // settings are validated, and a bad setting must be reported as one, not as a crash here.
    private GatewayOptions Settings => options.Value;

    public bool UsesDns => !string.IsNullOrWhiteSpace(Settings.TargetsDns);

    /// <summary>The destinations the proxy uses now.</summary>
    public IReadOnlyCollection<string> Destinations => [.. Current.Clusters[0].Destinations!.Keys];

    public IProxyConfig GetConfig() => Current;

    /// <summary>Replaces the destinations; YARP keeps the health state of those that stay.</summary>
    public void SetDestinations(IReadOnlyCollection<Uri> addresses)
    {
        Snapshot previous;
        lock (_gate)
        {
            previous = Current;
            _current = new Snapshot(previous.Routes, GatewayRoutes.Cluster(Settings, addresses));
        }

        previous.Changed();
    }

    private Snapshot Current
    {
        get
        {
            if (_current is { } current)
            {
                return current;
            }

            lock (_gate)
            {
                var initial = UsesDns ? [] : Settings.Targets.Select(target => new Uri(target));
                return _current ??= new Snapshot(GatewayRoutes.Routes(), GatewayRoutes.Cluster(Settings, initial));
            }
        }
    }

    private sealed class Snapshot(IReadOnlyList<RouteConfig> routes, ClusterConfig cluster) : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public IReadOnlyList<RouteConfig> Routes { get; } = routes;

        public IReadOnlyList<ClusterConfig> Clusters { get; } = [cluster];

        public IChangeToken ChangeToken => new CancellationChangeToken(_changed.Token);

        public void Changed() => _changed.Cancel();
    }
}
