using Harness.Testing;
using System.Diagnostics;
using System.Net;
using TargetApp.Tests.Support;

namespace TargetApp.Tests;

/// <summary>At its limit of requests in progress a route refuses at once with 503 + Retry-After, and only that route.</summary>
public sealed class OverloadTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task RouteAtItsLimit_RefusesAtOnceWith503AndRetryAfter_OtherRoutesStillAnswer_AndItRecovers()
    {
        await using var stub = await StubDownstream.StartAsync(StubDownstream.HelloAfterRequestedDelay);
        await using var factory = new TargetAppFactory(new Dictionary<string, string?>
        {
            ["Downstream:BaseUrl"] = stub.BaseAddress.ToString(),
            ["Downstream:Timeout"] = "00:02:00",
            ["Limits:MaxConcurrentAggregations"] = "2",
            ["Limits:RetryAfterSeconds"] = "3",
        });
        using var client = factory.CreateRealClient(Timeout.InfiniteTimeSpan);
        using var hold = new CancellationTokenSource();

        var holding = Enumerable.Range(0, 2)
            .Select(_ => client.GetAsync("/api/aggregated/?n=1&delay_ms=60000", hold.Token))
            .ToArray();
        await stub.WaitForStartedAsync(2, Patience);

        var clock = Stopwatch.StartNew();
        using var refused = await client.GetAsync("/api/aggregated/?n=1&delay_ms=0");
        var refusedIn = clock.Elapsed;
        using var otherRoute = await client.GetAsync("/api/aggregated_offload/?n=1&delay_ms=0");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Overloaded", (await JsonAssert.ReadObjectAsync(refused)).GetProperty("title").GetString());
        // At once: nothing is waited for. The app runs in this test process, beside the other
        // test classes and whatever else shares the machine, so its first refusal (JIT of the
        // problem writer included) gets 20 s; a route that queued the request instead of refusing
        // it would answer only when a held call ends, 60 s from now.
        Assert.True(refusedIn < TimeSpan.FromSeconds(20), $"refused in {refusedIn.TotalMilliseconds:0} ms");
        Assert.Equal(HttpStatusCode.OK, otherRoute.StatusCode);

        await hold.CancelAsync();
        foreach (var request in holding)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }

        // The two permits come back as the cancelled handlers unwind; the route then answers again.
        using var deadline = new CancellationTokenSource(Patience);
        HttpStatusCode status;
        while (true)
        {
            using var again = await client.GetAsync("/api/aggregated/?n=1&delay_ms=0", deadline.Token);
            status = again.StatusCode;
            if (status != HttpStatusCode.ServiceUnavailable)
            {
                break;
            }

            await Task.Delay(50, deadline.Token);
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }
}
