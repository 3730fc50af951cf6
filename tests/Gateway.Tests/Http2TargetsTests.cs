using System.Net;
using Harness.Testing;

namespace Gateway.Tests;

public sealed class Http2TargetsTests
{
    [Fact]
    public async Task TargetProtocolHttp2_ForwardsOverCleartextHttp2_ToAnHttp2Endpoint()
    {
        int h2Port = LoopbackPorts.Unused();
        await using var replica = await Children.StartTargetAppAsync("h2-target", new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__http__Url"] = "http://127.0.0.1:0",
            ["Kestrel__Endpoints__h2c__Url"] = $"http://127.0.0.1:{h2Port}",
            ["Kestrel__Endpoints__h2c__Protocols"] = "Http2",
        });
        await using var gateway = await Children.StartGatewayAsync(
            "h2-gateway", [new Uri($"http://127.0.0.1:{h2Port}")], new Dictionary<string, string> { ["Gateway__TargetProtocol"] = "Http2" });
        using var client = GatewayStack.Direct(gateway);
        using var direct = GatewayStack.Direct(replica);

        using var response = await client.GetAsync("/api/?task_id=h2&delay_ms=0");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(direct, "http_server_request_duration_seconds_count", "network_protocol_version=\"2\"") >= 1,
            "the replica to record a request received over HTTP/2");
    }
}
