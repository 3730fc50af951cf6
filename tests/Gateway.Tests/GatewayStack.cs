using Harness.Hosting;
using Harness.Testing;

namespace Gateway.Tests;

/// <summary>
/// A downstream TargetApp, two TargetApp replicas calling it, and a gateway in front of both:
/// the harness's topology, as child processes on loopback ports.
/// </summary>
public sealed class GatewayStack : IAsyncDisposable
{
    private readonly List<ServiceProcess> _replicas = [];

    private GatewayStack(ServiceProcess downstream, ServiceProcess gateway, IEnumerable<ServiceProcess> replicas)
    {
        Downstream = downstream;
        Gateway = gateway;
        _replicas.AddRange(replicas);
        Client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public ServiceProcess Downstream { get; }

    public ServiceProcess Gateway { get; }

    public IReadOnlyList<ServiceProcess> Replicas => _replicas;

    /// <summary>A client of the gateway.</summary>
    public HttpClient Client { get; }

    public static async Task<GatewayStack> StartAsync(int replicas = 2, IReadOnlyDictionary<string, string>? gatewaySettings = null)
    {
        var downstream = await Children.StartTargetAppAsync("downstream");
        var targetSettings = new Dictionary<string, string> { ["Downstream__BaseUrl"] = downstream.BaseAddress.ToString() };
        var started = await Task.WhenAll(Enumerable.Range(1, replicas).Select(i => Children.StartTargetAppAsync($"target-{i}", targetSettings)));
        var gateway = await Children.StartGatewayAsync("gateway", started.Select(r => r.BaseAddress), gatewaySettings);
        return new GatewayStack(downstream, gateway, started);
    }

    /// <summary>A client that talks to one replica directly (for its /metrics).</summary>
    public static HttpClient Direct(ServiceProcess service) => new() { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Gateway.DisposeAsync();
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        await Downstream.DisposeAsync();
    }
}
