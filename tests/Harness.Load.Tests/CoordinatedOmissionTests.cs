using Harness.Testing;
using static Harness.Load.LoadSimulation;

namespace Harness.Load.Tests;

/// <summary>
/// A server that freezes for 2 s: the open model charges every request that should have left
/// during the freeze, so p99 shows it; a closed model only ever has its few users waiting, so the
/// freeze all but vanishes from its percentiles. The harness reports the first by default for that reason.
/// </summary>
[Collection(EngineTiming.Name)]
public sealed class CoordinatedOmissionTests
{
    private static readonly TimeSpan Freeze = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task OpenModel_ServerFreezesForTwoSeconds_TheFreezeShowsInP99()
    {
        await using var server = await LocalServer.StartAsync();
        using var target = new HttpTarget(server.BaseAddress, TimeSpan.FromSeconds(30));
        server.FreezeAfter(100, Freeze);

        var run = await EngineRun.RunAsync(EngineRun.Get(target, "open", "/ok", new Inject(100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))));

        var latency = run.Scenarios.Single().Stats.Latency;
        Assert.True(latency.Max >= 1800, $"the request that met the freeze first waited ~2 s (max {latency.Max} ms)");
        Assert.True(latency.P99 >= 1000, $"~200 of 500 requests were due during the freeze, so p99 must show it (p99 {latency.P99} ms)");
        Assert.True(latency.P90 >= 500, $"p90 {latency.P90} ms");
    }

    [Fact]
    public async Task ClosedModel_SameFreeze_HidesItFromP99()
    {
        await using var server = await LocalServer.StartAsync();
        using var target = new HttpTarget(server.BaseAddress, TimeSpan.FromSeconds(30));
        server.FreezeAfter(100, Freeze);

        var run = await EngineRun.RunAsync(EngineRun.Get(target, "closed", "/ok", new KeepConstant(4, TimeSpan.FromSeconds(5))));

        var stats = run.Scenarios.Single().Stats;
        Assert.True(stats.Latency.Max >= 1800, $"the freeze happened (max {stats.Latency.Max} ms)");
        Assert.True(stats.Latency.P99 < 500, $"only the 4 users' requests waited, so p99 ({stats.Latency.P99} ms) does not show it");
    }
}
