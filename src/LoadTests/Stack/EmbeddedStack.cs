using Harness.Hosting;

namespace Harness.LoadTests.Stack;

/// <summary>
/// The harness's own topology on loopback, as child processes: a downstream TargetApp (the slow
/// <c>/api/</c>), two TargetApp replicas calling it, and the Gateway in front of them. Each has
/// its own thread pool, so a starving mode starves its server, not the load generator. The
/// replicas are Harness's own, so the gateway speaks HTTP/2 to them (an h2c endpoint beside their
/// HTTP/1.1 one): a few multiplexed connections instead of one per request in flight.
/// </summary>
public sealed class EmbeddedStack : IAsyncDisposable
{
    private const string HttpEndpoint = "Kestrel__Endpoints__http__";
    private const string H2cEndpoint = "Kestrel__Endpoints__h2c__";

    private readonly string _logDirectory;
    private readonly Action<string> _progress;
    private readonly Func<string, IReadOnlyDictionary<string, string>>? _telemetry;
    private readonly List<ServiceProcess> _services = [];

    // Restarted services come back on the same ports, so the gateway's targets and the load
    // engine's connections stay valid.
    private readonly Dictionary<string, Uri> _addresses = [];
    private readonly Dictionary<string, Uri> _h2cAddresses = [];
    private readonly Dictionary<string, (string Assembly, Dictionary<string, string> Settings)> _specs = [];

    private EmbeddedStack(string logDirectory, Action<string> progress, Func<string, IReadOnlyDictionary<string, string>>? telemetry)
    {
        _logDirectory = logDirectory;
        _progress = progress;
        _telemetry = telemetry;
    }

    public Uri GatewayAddress { get; private set; } = new("http://127.0.0.1/");

    public string LogDirectory => _logDirectory;

    /// <summary>Every service's /metrics, by a name that stays the same across restarts.</summary>
    public IReadOnlyList<(string Name, Uri MetricsUrl)> MetricsEndpoints
    {
        get
        {
            lock (_services)
            {
                return [.. _services.Select(s => (s.Name, new Uri(s.BaseAddress, "/metrics")))];
            }
        }
    }

    /// <summary>Starts the services; <paramref name="telemetry"/> adds environment per service name, e.g. <see cref="AspireDashboard.ExporterEnvironment"/> to send its OTLP to a dashboard.</summary>
    public static async Task<EmbeddedStack> StartAsync(
        string logDirectory, Action<string> progress, CancellationToken cancellationToken, Func<string, IReadOnlyDictionary<string, string>>? telemetry = null)
    {
        var stack = new EmbeddedStack(logDirectory, progress, telemetry);
        try
        {
            await stack.StartServicesAsync(cancellationToken).ConfigureAwait(false);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops every service and starts fresh ones, so the next mode meets a thread pool no earlier mode has grown.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        _progress("restarting the services for a fresh thread pool");
        await StopServicesAsync().ConfigureAwait(false);
        await StartServicesAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task StartServicesAsync(CancellationToken cancellationToken)
    {
        var targetApp = ServiceBinary.Locate("TargetApp");
        var gatewayApp = ServiceBinary.Locate("Gateway");
        var downstream = await StartAsync("downstream", targetApp, [], cancellationToken).ConfigureAwait(false);
        var targetSettings = new Dictionary<string, string>
        {
            ["Downstream__BaseUrl"] = downstream.BaseAddress.ToString(),
            [H2cEndpoint + "Protocols"] = "Http2",
        };
        var targets = await Task.WhenAll(
            StartAsync("target-1", targetApp, targetSettings, cancellationToken),
            StartAsync("target-2", targetApp, targetSettings, cancellationToken)).ConfigureAwait(false);
        var gatewaySettings = new Dictionary<string, string> { ["Gateway__TargetProtocol"] = "Http2" };
        for (int i = 0; i < targets.Length; i++)
        {
            gatewaySettings[$"Gateway__Targets__{i}"] = _h2cAddresses[targets[i].Name].ToString();
        }

        var gateway = await StartAsync("gateway", gatewayApp, gatewaySettings, cancellationToken).ConfigureAwait(false);
        GatewayAddress = gateway.BaseAddress;
        _progress($"services ready: gateway {gateway.BaseAddress} → (HTTP/2) {string.Join(", ", targets.Select(t => _h2cAddresses[t.Name]))} → downstream {downstream.BaseAddress}");
    }

    /// <summary>Ends one service at once (SIGKILL), as a crash would; <see cref="StartAgainAsync"/> brings it back on the same port.</summary>
    public async Task KillAsync(string name)
    {
        ServiceProcess service;
        lock (_services)
        {
            service = _services.Single(s => s.Name == name);
            _services.Remove(service);
        }

        service.Kill();
        await service.WaitForExitAsync().ConfigureAwait(false);
        await service.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Starts a service that <see cref="KillAsync"/> ended, with the same settings and port.</summary>
    public async Task StartAgainAsync(string name, CancellationToken cancellationToken)
    {
        var (assembly, settings) = _specs[name];
        await StartAsync(name, assembly, settings, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ServiceProcess> StartAsync(string name, string assembly, Dictionary<string, string> settings, CancellationToken cancellationToken)
    {
        _specs[name] = (assembly, settings);
        string urls = _addresses.TryGetValue(name, out var previous) ? $"http://{previous.Authority}" : "http://127.0.0.1:0";
        var environment = new Dictionary<string, string>(settings);
        bool h2c = settings.ContainsKey(H2cEndpoint + "Protocols");
        if (h2c)
        {
            // Endpoints in configuration replace --urls, so the HTTP/1.1 one is named there too.
            environment[HttpEndpoint + "Url"] = urls;
            environment[H2cEndpoint + "Url"] = _h2cAddresses.TryGetValue(name, out var previousH2c) ? $"http://{previousH2c.Authority}" : "http://127.0.0.1:0";
        }

        foreach (var (key, value) in _telemetry?.Invoke(name) ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var service = await ServiceProcess.StartAsync(
            new ServiceProcessOptions
            {
                Name = name,
                AssemblyPath = assembly,
                Environment = environment,
                LogFile = Path.Combine(_logDirectory, name + ".log"),
                Urls = urls,
            },
            cancellationToken).ConfigureAwait(false);
        lock (_services)
        {
            _services.Add(service);
            _addresses[name] = service.BaseAddress;
            if (h2c)
            {
                // The HTTP/1.1 endpoint answered the readiness probe; the other speaks only HTTP/2. Kestrel
                // binds configured endpoints in name order, h2c before http, so its address is known by now.
                _h2cAddresses[name] = service.Addresses.FirstOrDefault(address => address != service.BaseAddress)
                    ?? throw new ServiceStartException($"{name} reported no HTTP/2 endpoint; see {Path.Combine(_logDirectory, name + ".log")}.");
            }
        }

        return service;
    }

    private async Task StopServicesAsync()
    {
        ServiceProcess[] services;
        lock (_services)
        {
            services = [.. _services];
            _services.Clear();
        }

        await Task.WhenAll(services.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(StopServicesAsync());
}
