using System.Diagnostics;
using System.Net;
using Harness.Testing;

namespace Gateway.Tests;

/// <summary>Overload is refused at once; a request that outlives the timeout is cut with 504.</summary>
public sealed class ProtectionTests
{
    [Fact]
    public async Task RouteAtItsLimit_AnswersAtOnceWith503AndRetryAfter_OtherRoutesStillAnswer()
    {
        await using var stack = await GatewayStack.StartAsync(replicas: 1, new Dictionary<string, string>
        {
            ["Limits__MaxConcurrentRequests"] = "2",
            ["Limits__RetryAfterSeconds"] = "2",
        });
        using var hold = new CancellationTokenSource();
        var holding = Enumerable.Range(0, 2).Select(_ => stack.Client.GetAsync("/api/?delay_ms=30000", hold.Token)).ToArray();
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_active", "route=\"downstream\"") >= 2, "two requests in progress");

        var clock = Stopwatch.StartNew();
        using var refused = await stack.Client.GetAsync("/api/?delay_ms=0");
        var refusedIn = clock.Elapsed;
        using var otherRoute = await stack.Client.GetAsync("/api/aggregated/?n=1&delay_ms=0");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refusedIn < TimeSpan.FromSeconds(1), $"refused in {refusedIn.TotalMilliseconds:0} ms");
        Assert.Equal(HttpStatusCode.OK, otherRoute.StatusCode);
        Assert.Equal(1, await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_requests_total", "result=\"rejected\",route=\"downstream\""));
        Assert.Equal(0, await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_requests_total", "result=\"rejected\",route=\"async\""));

        await hold.CancelAsync();
        foreach (var request in holding)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }

        // The clients that left give their slots back.
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_active", "route=\"downstream\"") == 0, "both slots given back");
    }

    [Fact]
    public async Task RouteAtItsLimit_WithAQueue_QueuesUpToItsLength_ThenRefuses()
    {
        await using var stack = await GatewayStack.StartAsync(replicas: 1, new Dictionary<string, string>
        {
            ["Limits__MaxConcurrentRequests"] = "1",
            ["Limits__QueueLength"] = "1",
        });
        var first = stack.Client.GetAsync("/api/?delay_ms=4000");
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_active", "route=\"downstream\"") >= 1, "the first request in progress");
        var queued = stack.Client.GetAsync("/api/?delay_ms=0");
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_queued", "route=\"downstream\"") >= 1, "the second request queued");

        using var refused = await stack.Client.GetAsync("/api/?delay_ms=0");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.False(queued.IsCompleted, "the queued request waits for the first one's slot");

        using var firstAnswer = await first;
        using var queuedAnswer = await queued;
        Assert.Equal(HttpStatusCode.OK, firstAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, queuedAnswer.StatusCode);
        Assert.Equal(2, await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_requests_total", "result=\"acquired\",route=\"downstream\""));
        Assert.Equal(1, await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_requests_total", "result=\"rejected\",route=\"downstream\""));
    }

    [Fact]
    public async Task RequestOutlivingTheTimeout_Is504_AtAboutTheTimeout()
    {
        await using var stack = await GatewayStack.StartAsync(replicas: 1, new Dictionary<string, string> { ["Gateway__RequestTimeout"] = "00:00:01" });

        var clock = Stopwatch.StartNew();
        using var response = await stack.Client.GetAsync("/api/?delay_ms=20000");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.99, 6);
    }
}
