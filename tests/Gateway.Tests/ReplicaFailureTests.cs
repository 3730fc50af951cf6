using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Harness.Testing;

namespace Gateway.Tests;

/// <summary>
/// A replica killed under load: nothing sent after it died fails (requests it refused are sent
/// to the other replica), and when it comes back the gateway sends it traffic again.
/// </summary>
public sealed class ReplicaFailureTests
{
    private const int Workers = 8;

    /// <summary>Time for the replica's last resets to reach the gateway after its process has gone.</summary>
    private const double ResetMargin = 0.01;

    [Fact]
    public async Task ReplicaKilledUnderLoad_NothingSentAfterwardsFails_AndItsReturnIsNoticed()
    {
        await using var stack = await GatewayStack.StartAsync();
        var victim = stack.Replicas[1];
        var outcomes = new ConcurrentQueue<Outcome>();
        var clock = Stopwatch.StartNew();

        // The load runs until the revived replica has had its share, and the test stops it then.
        // It used to stop itself 60 s in, which a busy machine can spend before the revived
        // replica is ready (every step stretches with the load, a process's start-up most): the
        // load then ended before that replica could get traffic. The deadline stays, as a bound.
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var load = LoadAsync(stack.Client, outcomes, clock, stop.Token);

        await Eventually.TrueAsync(() => outcomes.Count(o => o.Ok) >= 50, "the load to flow");
        double killing = clock.Elapsed.TotalSeconds;
        victim.Kill();

        // A SIGKILLed process keeps its sockets while the kernel tears it down; requests that
        // reach it then are lost in flight. The claim is about requests sent once it has gone.
        await victim.WaitForExitAsync();
        double killedAt = clock.Elapsed.TotalSeconds;

        // Long enough for the dead replica to be retried after its reactivation period (5 s).
        await Eventually.TrueAsync(
            () => clock.Elapsed.TotalSeconds > killedAt + 7 && outcomes.Count(o => o.Start > killedAt) >= 300, "load after the kill", TimeSpan.FromSeconds(90));

        // Started while the load runs, on a busy machine: more time to become ready than the usual 60 s.
        var sameAddress = new Dictionary<string, string> { ["Downstream__BaseUrl"] = stack.Downstream.BaseAddress.ToString() };
        await using var revived = await Children.StartTargetAppAsync(
            "target-2-revived", sameAddress, victim.BaseAddress.ToString().TrimEnd('/'), startTimeout: TimeSpan.FromSeconds(90));
        using var direct = GatewayStack.Direct(revived);
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(direct, "http_server_request_duration_seconds_count", "http_route=\"/api/\"") >= 10,
            "the revived replica to get traffic", TimeSpan.FromSeconds(90));
        Assert.False(stop.IsCancellationRequested, "the load ran until the revived replica had traffic");
        await stop.CancelAsync();
        await load;

        var afterKill = outcomes.Where(o => o.Start > killedAt + ResetMargin).ToList();
        var failures = outcomes.Where(o => !o.Ok).ToList();
        Assert.True(afterKill.Count >= 300, $"{afterKill.Count} requests sent after the kill");
        Assert.All(afterKill, o => Assert.True(o.Ok, $"sent {o.Start - killedAt:0.000} s after the kill: {o.Detail}"));
        Assert.All(failures, o => Assert.True(o.Start <= killedAt + ResetMargin, $"a failure sent after the replica had gone ({o.Start - killedAt:0.000} s)"));
        Assert.True(failures.Count <= Workers * Math.Ceiling((killedAt - killing + 0.1) / 0.02),
            $"only requests in flight while it died may fail: {failures.Count} in {(killedAt - killing) * 1000:0} ms of dying");
    }

    [Fact]
    public async Task RefusedConnection_IsRetriedOnAnotherReplica_TheClientSeesSuccess()
    {
        await using var replica = await Children.StartTargetAppAsync("live-target");
        var refusing = new Uri($"http://127.0.0.1:{LoopbackPorts.Unused()}");

        // Round robin sends every other request to the refusing address until it is taken out.
        // Every request must then connect to the live replica: a connect timeout of a minute, not
        // 5 s, so that a busy machine's slow connect is not a failure (the refusal is at once).
        await using var gateway = await Children.StartGatewayAsync(
            "retry-gateway", [refusing, replica.BaseAddress], new Dictionary<string, string>
            {
                ["Gateway__LoadBalancingPolicy"] = "RoundRobin",
                ["Gateway__ConnectTimeout"] = "00:01:00",
            });
        using var client = GatewayStack.Direct(gateway);

        for (int i = 0; i < 6; i++)
        {
            using var response = await client.GetAsync($"/api/?task_id={i}&delay_ms=0");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(await Children.ReadSumAsync(client, "harness_gateway_retries_total", $"destination=\"{refusing.Authority}\"") >= 1);
        Assert.Equal(1, await Children.ReadSumAsync(client, "harness_gateway_destinations_available"));

        // Each request is counted once, after its last attempt, as the success the client saw: a
        // retried one neither counts twice nor as the refusal it got first.
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(client, "harness_gateway_requests_total") >= 6, "the gateway to count the six requests");
        Assert.Equal(6, await Children.ReadSumAsync(client, "harness_gateway_requests_total"));
        Assert.Equal(6, await Children.ReadSumAsync(client, "harness_gateway_requests_total", $"destination=\"{replica.BaseAddress.Authority}\""));
        Assert.Equal(6, await Children.ReadSumAsync(client, "harness_gateway_requests_total", "outcome=\"2xx\""));
    }

    [Fact]
    public async Task RefusedConnection_WithTheOtherReplicaOutByItsProbes_IsRetriedThere()
    {
        // A replica that answers /api/ but fails its probes (it has no /health/ready): a live
        // replica the probes took out, as a busy machine's slow probes can take one out.
        await using var unready = await StubDownstream.StartAsync(request => StubDownstream.Hello(request, TimeSpan.Zero));
        await using var victim = await Children.StartTargetAppAsync("probed-target");
        await using var gateway = await Children.StartGatewayAsync("probed-gateway", [victim.BaseAddress, unready.BaseAddress]);
        using var client = GatewayStack.Direct(gateway);
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(client, "harness_gateway_destinations_available") == 1,
            "the probes to take the unready replica out", TimeSpan.FromSeconds(60));
        using (var before = await client.GetAsync("/api/?task_id=before-kill&delay_ms=0"))
        {
            // Served by the only available replica; the gateway's forwarding path is warm now.
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        victim.Kill();
        await victim.WaitForExitAsync();
        using var response = await client.GetAsync("/api/?task_id=after-kill&delay_ms=0");

        // Sent before the probes (every 2 s, two failures) notice the kill, the request has the
        // killed replica as its only available destination; refused there, it must go to the one
        // the probes took out rather than back to the client as a 502. (Should a busy machine
        // delay it until the probes have noticed, both are out, every replica is tried, and it
        // passes without showing anything: never a false failure.)
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("after-kill", unready.TaskIds);
    }

    [Fact]
    public async Task EveryReplicaDown_AnswersAtOnce_WithoutHanging()
    {
        // A connect timeout of a minute: a gateway that waited for a connection instead of taking
        // the refusal would answer after a minute (or the request timeout, 2 min), far past the
        // 15 s a busy machine may take to answer at once. (With the default 5 s it would pass.)
        await using var stack = await GatewayStack.StartAsync(replicas: 1, new Dictionary<string, string> { ["Gateway__ConnectTimeout"] = "00:01:00" });
        stack.Replicas[0].Kill();

        var clock = Stopwatch.StartNew();
        using var response = await stack.Client.GetAsync("/api/?delay_ms=0");

        Assert.True((int)response.StatusCode is 502 or 503, $"got {(int)response.StatusCode}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"answered in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private sealed record Outcome(double Start, bool Ok, string Detail);

    private static Task LoadAsync(HttpClient client, ConcurrentQueue<Outcome> outcomes, Stopwatch clock, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, Workers).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                double start = clock.Elapsed.TotalSeconds;
                try
                {
                    using var response = await client.GetAsync("/api/?delay_ms=20", stop);
                    outcomes.Enqueue(new Outcome(start, response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}"));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpRequestException ex)
                {
                    outcomes.Enqueue(new Outcome(start, false, ex.Message));
                }
            }
        }));
}
