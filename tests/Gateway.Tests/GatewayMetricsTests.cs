using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Harness.Testing;

namespace Gateway.Tests;

/// <summary>The gateway's own metrics, labelled as the dashboards query them.</summary>
public sealed partial class GatewayMetricsTests
{
    [Fact]
    public async Task ProxiedRequests_AreCountedAndTimed_ByRouteOutcomeAndDestinationHostPort_AndProbesAreNot()
    {
        await using var replica = await Children.StartTargetAppAsync("metrics-target");
        await using var gateway = await Children.StartGatewayAsync("metrics-gateway", [replica.BaseAddress]);
        using var client = GatewayStack.Direct(gateway);
        string destination = $"destination=\"{replica.BaseAddress.Authority}\"";

        foreach (var (path, status) in (IEnumerable<(string, HttpStatusCode)>)[
            ("/api/?delay_ms=0", HttpStatusCode.OK), ("/api/?task_id=a&delay_ms=0", HttpStatusCode.OK), ("/api/?delay_ms=0#frag", HttpStatusCode.OK),
            ("/api/aggregated/?n=2&delay_ms=0", HttpStatusCode.OK), ("/API/Aggregated?n=1&delay_ms=0", HttpStatusCode.OK),
            ("/api/no-such-route", HttpStatusCode.NotFound)])
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(status, response.StatusCode);
        }

        // Counted once the answer has gone out, so possibly a moment after the client has it.
        await Eventually.TrueAsync(
            async () => await SumAsync(client, "harness_gateway_requests_total") >= 6, "the gateway to count the six requests");
        Assert.Equal(3, await SumAsync(client, "harness_gateway_requests_total", "route=\"downstream\"", destination, "outcome=\"2xx\""));
        Assert.Equal(2, await SumAsync(client, "harness_gateway_requests_total", "route=\"async\"", destination, "outcome=\"2xx\""));
        Assert.Equal(1, await SumAsync(client, "harness_gateway_requests_total", "route=\"api\"", destination, "outcome=\"4xx\""));

        // The destination's share is timed per route from the forwarded URL; the health probes that
        // go to the same destination through the same client are not part of it.
        Assert.Equal(3, await SumAsync(client, "harness_gateway_destination_duration_seconds_count", "route=\"downstream\"", destination));
        Assert.Equal(2, await SumAsync(client, "harness_gateway_destination_duration_seconds_count", "route=\"async\"", destination));
        Assert.Equal(1, await SumAsync(client, "harness_gateway_destination_duration_seconds_count", "route=\"api\"", destination));
        Assert.Equal(6, await SumAsync(client, "harness_gateway_destination_duration_seconds_count"));

        // The route limits counted each request once, on its route, and refused none.
        Assert.Equal(3, await SumAsync(client, "harness_gateway_limiter_requests_total", "route=\"downstream\"", "result=\"acquired\""));
        Assert.Equal(2, await SumAsync(client, "harness_gateway_limiter_requests_total", "route=\"async\"", "result=\"acquired\""));
        Assert.Equal(1, await SumAsync(client, "harness_gateway_limiter_requests_total", "route=\"api\"", "result=\"acquired\""));
        Assert.Equal(0, await SumAsync(client, "harness_gateway_limiter_requests_total", "result=\"rejected\""));
        Assert.Equal(0, await SumAsync(client, "harness_gateway_limiter_active"));
    }

    [Fact]
    public async Task UpstreamConnections_AreCountedPerDestination_AsTheyOpenAndClose_InsteadOfByHttpClientsMetrics()
    {
        var replica = await Children.StartTargetAppAsync("connections-target");
        await using var gateway = await Children.StartGatewayAsync("connections-gateway", [replica.BaseAddress]);
        using var client = GatewayStack.Direct(gateway);
        string destination = $"destination=\"{replica.BaseAddress.Authority}\"";

        // Four requests at once need four connections; the health probes may add one. Each takes
        // 3 s, so all four are still in flight when the last is sent however slowly a busy machine
        // sends them (with 300 ms, one could end first and lend its connection to a later one).
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.GetAsync("/api/?delay_ms=3000")));
        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
        Assert.InRange(await SumAsync(client, "harness_gateway_upstream_connections", destination), 4, 5);
        // HttpClient's meters are not collected in the gateway: what the dashboards show of them it publishes itself.
        Assert.DoesNotContain("http_client_", await client.GetStringAsync("/metrics"), StringComparison.Ordinal);

        // With the replica gone, the pool finds its connections closed (the probes try them) and lets them go.
        await replica.DisposeAsync();
        await Eventually.TrueAsync(
            async () => await SumAsync(client, "harness_gateway_upstream_connections", destination) == 0, "the dead replica's connections to be counted out");
    }

    /// <summary>The sum of a metric's samples that carry every one of <paramref name="labels"/>.</summary>
    private static async Task<double> SumAsync(HttpClient client, string name, params string[] labels)
    {
        var text = await client.GetStringAsync("/metrics");
        return Sample().Matches(text)
            .Where(m => m.Groups["name"].Value == name && labels.All(label => m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal)))
            .Sum(m => double.Parse(m.Groups["v"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"(?m)^(?<name>\w+)\{(?<labels>[^}]*)\} (?<v>\S+)")]
    private static partial Regex Sample();
}
