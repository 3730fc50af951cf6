using System.Collections.Concurrent;
using Harness.Testing;

namespace Gateway.Tests;

public sealed class TraceContextTests
{
    [Fact]
    public async Task W3CTraceContext_FlowsThroughTheGateway_WithTheGatewaysOwnSpanAsParent()
    {
        var seen = new ConcurrentQueue<string>();
        await using var destination = await StubDownstream.StartAsync(request =>
        {
            seen.Enqueue(request.Headers["traceparent"].ToString());
            return StubDownstream.Hello(request, TimeSpan.Zero);
        });
        await using var gateway = await Children.StartGatewayAsync("gateway-trace", [destination.BaseAddress]);
        using var client = GatewayStack.Direct(gateway);
        const string traceId = "0af7651916cd43dd8448eb211c80319c";
        const string clientSpan = "b7ad6b7169203331";

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/?task_id=t&delay_ms=0");
        request.Headers.Add("traceparent", $"00-{traceId}-{clientSpan}-01");
        using var response = await client.SendAsync(request);

        response.EnsureSuccessStatusCode();
        string forwarded = Assert.Single(seen);
        var parts = forwarded.Split('-');
        Assert.Equal(4, parts.Length);
        Assert.Equal(traceId, parts[1]);
        Assert.NotEqual(clientSpan, parts[2]);
    }
}
