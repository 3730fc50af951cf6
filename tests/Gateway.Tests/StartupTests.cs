using Harness.Hosting;
using Harness.Testing;

namespace Gateway.Tests;

public sealed class StartupTests
{
    [Theory]
    [InlineData("Gateway__Targets__0", "not a url", "Gateway:Targets:0")]
    [InlineData("Gateway__Targets__0", "ftp://target", "Gateway:Targets:0")]
    [InlineData("Gateway__TargetsDns", "target:8080", "Gateway:TargetsDns")]
    [InlineData("Gateway__LoadBalancingPolicy", "Fastest", "Gateway:LoadBalancingPolicy")]
    [InlineData("Gateway__RequestTimeout", "soon", "Gateway:RequestTimeout")]
    [InlineData("Gateway__MaxAttempts", "0", "Gateway:MaxAttempts")]
    [InlineData("Limits__MaxConcurrentRequests", "0", "Limits:MaxConcurrentRequests")]
    public async Task BadSetting_StopsStartUp_WithAMessageNamingIt(string variable, string value, string setting)
    {
        var failure = await Assert.ThrowsAsync<ServiceStartException>(() =>
            Children.StartGatewayAsync("bad-gateway", [], new Dictionary<string, string> { [variable] = value, ["Gateway__Targets__1"] = "http://127.0.0.1:1" }));

        Assert.Contains("exited with code 78", failure.Message, StringComparison.Ordinal);
        Assert.Contains(setting, failure.Message, StringComparison.Ordinal);
        Assert.Contains("docs/gateway.md#settings", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoTargetsAtAll_StopsStartUp_SayingWhatToSet()
    {
        var failure = await Assert.ThrowsAsync<ServiceStartException>(() =>
            Children.StartAsync("Gateway", "no-targets", new Dictionary<string, string> { ["Gateway__Targets__0"] = "" }, null));

        Assert.Contains("exited with code 78", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway__Targets__0", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TargetsFromDns_AreResolvedAndUsed()
    {
        await using var replica = await Children.StartTargetAppAsync("dns-target");
        var viaLocalhost = new UriBuilder(replica.BaseAddress) { Host = "localhost" }.Uri;
        await using var gateway = await Children.StartAsync("Gateway", "dns-gateway", new Dictionary<string, string>
        {
            ["Gateway__TargetsDns"] = viaLocalhost.ToString(),
        }, null);
        using var client = GatewayStack.Direct(gateway);

        using var response = await client.GetAsync("/api/?task_id=dns&delay_ms=0");

        response.EnsureSuccessStatusCode();
        Assert.True(await Children.ReadSumAsync(client, "harness_gateway_destinations_configured") >= 1);
    }
}
