using System.Security.Cryptography;
using Harness.Hosting;
using Harness.Testing;

namespace Observability.Tests;

/// <summary>
/// The Aspire dashboard from its NuGet package, and a downstream, a TargetApp and a gateway
/// exporting their traces, metrics and logs to it: the embedded stack with its trace UI.
/// </summary>
public sealed class TracedStack : IAsyncLifetime
{
    /// <summary>The tests that share one stack (and run one after another on it).</summary>
    public const string Collection = "traced stack";

    public const string Gateway = "gateway";
    public const string Target = "target";
    public const string Downstream = "downstream";

    private readonly List<ServiceProcess> _services = [];
    private AspireDashboard? _dashboard;
    private HttpClient? _client;

    public AspireDashboard Dashboard => _dashboard ?? throw new InvalidOperationException("Not started.");

    /// <summary>A client of the gateway.</summary>
    public HttpClient Client => _client ?? throw new InvalidOperationException("Not started.");

    public ServiceProcess TargetApp => _services[1];

    public async Task InitializeAsync()
    {
        var messages = new StringWriter();
        _dashboard = await AspireDashboard.StartAsync(messages: messages);
        Assert.True(_dashboard is not null, $"The dashboard package should be restored for this platform: {messages}");

        var downstream = await StartAsync("TargetApp", Downstream, []);
        var target = await StartAsync("TargetApp", Target, new() { ["Downstream__BaseUrl"] = downstream.BaseAddress.ToString() });
        var gateway = await StartAsync("Gateway", Gateway, new() { ["Gateway__Targets__0"] = target.BaseAddress.ToString() });
        _client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>A traceparent that asks for the request to be recorded, as the load engine marks the requests it wants to see.</summary>
    public static (string TraceId, string SpanId, string Header) SampledTraceparent() => Traceparent(sampled: true);

    public static (string TraceId, string SpanId, string Header) Traceparent(bool sampled)
    {
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var spanId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        return (traceId, spanId, $"00-{traceId}-{spanId}-{(sampled ? "01" : "00")}");
    }

    /// <summary>Sends one GET through the gateway with the given traceparent and checks it succeeded.</summary>
    public async Task GetAsync(string path, string traceparent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", traceparent);
        using var response = await Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// How long to wait for telemetry to reach the dashboard: batches leave every 200 ms, but on a
    /// busy machine three exporters and the dashboard's ingestion all wait for a core. Telemetry
    /// that never arrives still fails the test, only later.
    /// </summary>
    public static readonly TimeSpan TelemetryPatience = TimeSpan.FromSeconds(60);

    /// <summary>The trace's spans once <paramref name="complete"/> holds for them (export is batched, so they arrive in parts).</summary>
    public async Task<IReadOnlyList<TelemetrySpan>> TraceAsync(string traceId, Func<IReadOnlyList<TelemetrySpan>, bool> complete)
    {
        IReadOnlyList<TelemetrySpan> spans = [];
        await Eventually.TrueAsync(
            async () => complete(spans = await Dashboard.Telemetry.GetTraceAsync(traceId)),
            $"the spans of trace {traceId} in the dashboard", TelemetryPatience);
        return spans;
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        for (int i = _services.Count - 1; i >= 0; i--)
        {
            await _services[i].DisposeAsync();
        }

        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }
    }

    private async Task<ServiceProcess> StartAsync(string project, string name, Dictionary<string, string> settings)
    {
        foreach (var (key, value) in Dashboard.ExporterEnvironment(name))
        {
            settings[key] = value;
        }

        // Batches every 200 ms instead of 5 s, so that a test waits for its spans and logs a moment only.
        settings["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        settings["OTEL_BLRP_SCHEDULE_DELAY"] = "200";
        var service = await Children.StartAsync(project, name, settings, urls: null);
        _services.Add(service);
        return service;
    }
}

[CollectionDefinition(TracedStack.Collection)]
public sealed class TracedStackCollection : ICollectionFixture<TracedStack>;
