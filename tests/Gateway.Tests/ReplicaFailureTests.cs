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

    /// <summary>A request started this soon after the kill may still have reached the replica before it died.</summary>
    private const double DyingMargin = 0.05;

    [Fact]
    public async Task ReplicaKilledUnderLoad_NothingSentAfterwardsFails_AndItsReturnIsNoticed()
    {
        await using var stack = await GatewayStack.StartAsync();
        var victim = stack.Replicas[1];
        var outcomes = new ConcurrentQueue<Outcome>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var load = LoadAsync(stack.Client, outcomes, clock, stop.Token);

        await Eventually.TrueAsync(() => outcomes.Count(o => o.Ok) >= 50, "the load to flow");
        double killedAt = clock.Elapsed.TotalSeconds;
        victim.Kill();

        // Long enough for the dead replica to be retried after its reactivation period (5 s).
        await Eventually.TrueAsync(() => clock.Elapsed.TotalSeconds > killedAt + 7 && outcomes.Count(o => o.Start > killedAt) >= 300, "load after the kill");

        var sameAddress = new Dictionary<string, string> { ["Downstream__BaseUrl"] = stack.Downstream.BaseAddress.ToString() };
        await using var revived = await Children.StartTargetAppAsync("target-2-revived", sameAddress, victim.BaseAddress.ToString().TrimEnd('/'));
        using var direct = GatewayStack.Direct(revived);
        await Eventually.TrueAsync(
            async () => await Children.ReadSumAsync(direct, "http_server_request_duration_seconds_count", "http_route=\"/api/\"") >= 10,
            "the revived replica to get traffic");
        await stop.CancelAsync();
        await load;

        var afterKill = outcomes.Where(o => o.Start > killedAt + DyingMargin).ToList();
        var failures = outcomes.Where(o => !o.Ok).ToList();
        Assert.True(afterKill.Count >= 300, $"{afterKill.Count} requests sent after the kill");
        Assert.All(afterKill, o => Assert.True(o.Ok, $"sent {o.Start - killedAt:0.000} s after the kill: {o.Detail}"));
        Assert.True(failures.Count <= Workers, $"only requests in flight at the kill may fail: {failures.Count}");
        Assert.True(await Children.ReadSumAsync(stack.Client, "harness_gateway_retries_total") >= 1, "refused requests were sent again, not lost");
    }

    [Fact]
    public async Task EveryReplicaDown_AnswersAtOnce_WithoutHanging()
    {
        await using var stack = await GatewayStack.StartAsync(replicas: 1);
        stack.Replicas[0].Kill();

        var clock = Stopwatch.StartNew();
        using var response = await stack.Client.GetAsync("/api/?delay_ms=0");

        Assert.True((int)response.StatusCode is 502 or 503, $"got {(int)response.StatusCode}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"answered in {clock.Elapsed.TotalSeconds:0.0} s");
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
