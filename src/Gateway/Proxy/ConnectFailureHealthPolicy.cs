using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy;

/// <summary>
/// Passive health: a replica that refuses a connection is out of rotation at once, for the
/// cluster's reactivation period; active probes bring it back. Slow answers and error statuses
/// do not count: a starving replica is slow, not dead, and taking it out would hide what the
/// harness is measuring. (YARP's TransportFailureRate policy needs ten requests in a minute
/// before it acts, which is too slow for a replica that was just killed.)
/// </summary>
public sealed class ConnectFailureHealthPolicy(IDestinationHealthUpdater healthUpdater) : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "ConnectFailure";

    private static readonly TimeSpan DefaultReactivation = TimeSpan.FromSeconds(5);

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        if (error.NeverReached())
        {
            var reactivation = cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? DefaultReactivation;
            healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, reactivation);
        }
    }
}
