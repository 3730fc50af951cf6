using System.Collections.Concurrent;
using Harness.Testing;

namespace Gateway.Tests;

public sealed class TraceContextTests
{
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string ClientSpan = "b7ad6b7169203331";

    [Fact]
    public async Task WithoutATraceExporter_TheClientsTraceparent_ReachesTheTargetUnchanged()
    {
        // The gateway records no spans then, so its own span id would point at nothing.
        string forwarded = await ForwardedTraceparentAsync("gateway-trace-passthrough", settings: null);

        Assert.Equal($"00-{TraceId}-{ClientSpan}-01", forwarded);
    }

    [Fact]
    public async Task WithATraceExporter_TheTargetsParent_IsTheGatewaysOwnSpan()
    {
        // Nothing listens there: the spans are dropped, but the gateway records them.
        var settings = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{LoopbackPorts.Unused()}" };
        string forwarded = await ForwardedTraceparentAsync("gateway-trace-span", settings);

        var parts = forwarded.Split('-');
        Assert.Equal(4, parts.Length);
        Assert.Equal(TraceId, parts[1]);
        Assert.Matches("^[0-9a-f]{16}$", parts[2]);
        Assert.NotEqual(ClientSpan, parts[2]);
    }

    private static async Task<string> ForwardedTraceparentAsync(string name, Dictionary<string, string>? settings)
    {
        var seen = new ConcurrentQueue<string>();
        await using var destination = await StubDownstream.StartAsync(request =>
        {
            seen.Enqueue(request.Headers["traceparent"].ToString());
            return StubDownstream.Hello(request, TimeSpan.Zero);
        });
        await using var gateway = await Children.StartGatewayAsync(name, [destination.BaseAddress], settings);
        using var client = GatewayStack.Direct(gateway);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/?task_id=t&delay_ms=0");
        request.Headers.Add("traceparent", $"00-{TraceId}-{ClientSpan}-01");
        using var response = await client.SendAsync(request);

        response.EnsureSuccessStatusCode();
        return Assert.Single(seen);
    }
}
