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
        // At once: the gateway waits for nothing. 10 s leaves room for a busy machine (the
        // gateway's first refusal JIT-compiles its way out), while a route that queued the request
        // instead would answer only when a held request ends, 30 s from now.
        Assert.True(refusedIn < TimeSpan.FromSeconds(10), $"refused in {refusedIn.TotalMilliseconds:0} ms");
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
        // The first request holds the only slot for 30 s, longer than any busy machine makes the
        // steps below take (with 4 s, the slot could come free while they ran, and the third
        // request would then be queued, not refused). The test gives the slot back itself.
        using var hold = new CancellationTokenSource();
        var first = stack.Client.GetAsync("/api/?delay_ms=30000", hold.Token);
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_active", "route=\"downstream\"") >= 1, "the first request in progress");
        var queued = stack.Client.GetAsync("/api/?delay_ms=0");
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_queued", "route=\"downstream\"") >= 1, "the second request queued");

        using var refused = await stack.Client.GetAsync("/api/?delay_ms=0");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.False(queued.IsCompleted, "the queued request waits for the first one's slot");

        // The first client leaves; its slot goes to the queued request, which then gets its answer.
        await hold.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        using var queuedAnswer = await queued;
        Assert.Equal(HttpStatusCode.OK, queuedAnswer.StatusCode);
        Assert.Equal(2, await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_requests_total", "result=\"acquired\",route=\"downstream\""));
        Assert.Equal(1, await Children.ReadSumAsync(stack.Client, "harness_gateway_limiter_requests_total", "result=\"rejected\",route=\"downstream\""));
    }

    [Fact]
    public async Task RequestOutlivingTheTimeout_Is504_AtAboutTheTimeout()
    {
        await using var stack = await GatewayStack.StartAsync(replicas: 1, new Dictionary<string, string> { ["Gateway__RequestTimeout"] = "00:00:01" });

        // The timeout starts when the gateway forwards, the clock when the client sends. On a
        // gateway's and a replica's first request, start-up work (JIT of the proxy pipeline, the
        // first connection, the replica's first /api/ call) lies between the two, and a busy
        // machine stretches it to seconds: requests through the same route, until one is answered
        // within the timeout, take that out of the measurement, which is then the timeout's alone.
        using (var direct = GatewayStack.Direct(stack.Replicas[0]))
        using (var replicaWarmUp = await direct.GetAsync("/api/?delay_ms=0"))
        {
            Assert.Equal(HttpStatusCode.OK, replicaWarmUp.StatusCode);
        }

        await Eventually.TrueAsync(
            async () =>
            {
                using var warmUp = await stack.Client.GetAsync("/api/?delay_ms=0");
                return warmUp.StatusCode == HttpStatusCode.OK;
            },
            "a quick request answered through the gateway", TimeSpan.FromSeconds(60));

        var clock = Stopwatch.StartNew();
        using var response = await stack.Client.GetAsync("/api/?delay_ms=30000");

        // About 1 s; at most 10 s on a busy machine, a third of the 30 s the replica would take.
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.99, 10);
    }
}
