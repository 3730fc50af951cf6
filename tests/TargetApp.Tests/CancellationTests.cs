using Harness.Testing;
using TargetApp.Aggregation;
using TargetApp.Tests.Support;

namespace TargetApp.Tests;

/// <summary>A client that goes away takes its downstream calls with it, in every mode.</summary>
public sealed class CancellationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    public static TheoryData<AggregationMode> Modes() => [.. AggregationModes.All];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task ClientDisconnect_CancelsTheOutstandingDownstreamCalls(AggregationMode mode)
    {
        await using var stub = await StubDownstream.StartAsync(request => StubDownstream.Hello(request, TimeSpan.FromMinutes(1)));
        await using var factory = new TargetAppFactory(new Dictionary<string, string?>
        {
            ["Downstream:BaseUrl"] = stub.BaseAddress.ToString(),
            ["Downstream:Timeout"] = "00:02:00",
            ["ThreadPool:MinThreads"] = "64",
        });
        using var client = factory.CreateRealClient(Timeout.InfiniteTimeSpan);
        using var disconnect = new CancellationTokenSource();

        var request = client.GetAsync($"{mode.Route()}?n=3&delay_ms=1", disconnect.Token);
        await stub.FirstCallStarted.WaitAsync(Patience);
        await disconnect.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await stub.FirstCallAborted.WaitAsync(Patience);
        Assert.True(stub.Aborted >= 1);
    }
}
