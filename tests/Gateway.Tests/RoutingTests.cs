using System.Net;
using System.Text.Json;
using Harness.Testing;

namespace Gateway.Tests;

/// <summary>Every route through a real gateway to two real replicas.</summary>
public sealed class RoutingTests(RoutingTests.Fixture fixture) : IClassFixture<RoutingTests.Fixture>
{
    public static TheoryData<string, string> Modes() => new()
    {
        { "/api/aggregated/", "async" },
        { "/api/aggregated_sync/", "sync" },
        { "/api/aggregated_sync_over_async/", "sync_over_async" },
        { "/api/aggregated_threadpool/", "threadpool" },
        { "/api/aggregated_offload/", "offload" },
        { "/api/aggregated_dedicated/", "dedicated" },
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task EveryMode_IsRoutedToATarget_WithItsQueryString(string route, string mode)
    {
        using var response = await fixture.Stack.Client.GetAsync(route + "?n=3&delay_ms=10");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAssert.ReadObjectAsync(response);
        Assert.Equal(mode, body.GetProperty("mode").GetString());
        var list = body.GetProperty(mode == "sync" ? "aggregated_responses" : "responses");
        Assert.Equal(3, list.GetArrayLength());
    }

    [Fact]
    public async Task SlowEndpoint_IsRouted_WithTaskIdAndDelay()
    {
        using var response = await fixture.Stack.Client.GetAsync("/api/?task_id=gw-7&delay_ms=0");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gw-7", (await JsonAssert.ReadObjectAsync(response)).GetProperty("task_id").GetString());
    }

    [Fact]
    public async Task UnknownApiPath_ReachesATarget_WhichAnswers404()
    {
        using var response = await fixture.Stack.Client.GetAsync("/api/no_such_mode/");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await Eventually.TrueAsync(async () => await Children.ReadSumAsync(fixture.Stack.Client, "harness_gateway_requests_total", "route=\"api\"") >= 1,
            "the gateway to count the forwarded 404");
    }

    [Fact]
    public async Task Requests_AreSpreadOverBothReplicas()
    {
        // Both replicas in rotation first: on a busy machine a replica's probe can be slow enough
        // (2 s) for the gateway to take it out for a while, and then every request rightly goes
        // to the other one, which is not what this test is about.
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(fixture.Stack.Client, "harness_gateway_destinations_available") == 2,
            "both replicas to be in the gateway's rotation", TimeSpan.FromSeconds(60));
        var before = await Task.WhenAll(fixture.Stack.Replicas.Select(CountApiCallsAsync));

        await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            using var response = await fixture.Stack.Client.GetAsync($"/api/?task_id={i}&delay_ms=20");
            response.EnsureSuccessStatusCode();
        }));

        // Each replica records a request as it ends, just after the answer has left.
        double[] served = [];
        await Eventually.TrueAsync(
            async () =>
            {
                var after = await Task.WhenAll(fixture.Stack.Replicas.Select(CountApiCallsAsync));
                served = [.. after.Zip(before, (a, b) => a - b)];
                return served.Sum() >= 60;
            },
            "both replicas to record the 60 requests");
        Assert.Equal(60, served.Sum());
        Assert.All(served, count => Assert.True(count >= 10, $"each replica served a share: {string.Join(", ", served)}"));
    }

    [Fact]
    public async Task GatewayMetricsAndHealth_AreItsOwn_TargetsMetricsAreNotReachable()
    {
        string metrics = await ScrapeGatewayAsync();
        using var live = await fixture.Stack.Client.GetAsync("/health/live");
        using var ready = await fixture.Stack.Client.GetAsync("/health/ready");

        Assert.Contains("otel_scope_name=\"Harness.Gateway\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("harness_aggregation_duration_seconds", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("harness_downstream_calls_total", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        foreach (var path in (string[])["/api/../metrics", "/api/metrics", "/api/health/ready"])
        {
            using var response = await fixture.Stack.Client.GetAsync(path);
            string body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("harness_aggregation", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OutsideApi_NothingIsProxied()
    {
        using var response = await fixture.Stack.Client.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("/swagger", await ScrapeGatewayAsync(), StringComparison.Ordinal);
    }

    private Task<string> ScrapeGatewayAsync() => fixture.Stack.Client.GetStringAsync("/metrics");

    private static async Task<double> CountApiCallsAsync(Harness.Hosting.ServiceProcess replica)
    {
        using var client = GatewayStack.Direct(replica);
        return await Children.ReadSumAsync(client, "http_server_request_duration_seconds_count", "http_route=\"/api/\"");
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public GatewayStack Stack { get; private set; } = null!;

        public async Task InitializeAsync() => Stack = await GatewayStack.StartAsync();

        public async Task DisposeAsync() => await Stack.DisposeAsync();
    }
}
