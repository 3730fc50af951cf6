using System.Collections.Concurrent;

namespace Harness.Load.Tests;

/// <summary>The engine marks the first measured invocations of a scenario as sampled (W3C <c>traceparent</c>), never a warm-up one.</summary>
[Collection(EngineTiming.Name)]
public sealed class TracedRequestTests
{
    [Fact]
    public async Task FirstInvocationsAfterWarmUp_CarryASampledTraceParent_AndTheirTraceIdsAreInTheResult()
    {
        var seen = new ConcurrentQueue<(long Invocation, string? TraceParent)>();
        var scenario = Scenario.Create("traced", async ctx =>
            {
                seen.Enqueue((ctx.InvocationNumber, ctx.TraceParent));
                await Task.Delay(10, ctx.CancellationToken);
                return Response.Ok();
            })
            .WithWarmUpDuration(TimeSpan.FromMilliseconds(300))
            .WithLoadSimulations(Simulation.KeepConstant(1, TimeSpan.FromMilliseconds(500)));

        var run = await EngineRun.RunAsync(scenario);

        var result = run.Scenarios.Single();
        Assert.True(result.WarmUpCount > 0, "the warm-up ran invocations");
        Assert.Equal(3, result.TraceIds.Count);
        var traced = seen.Where(s => s.TraceParent is not null).OrderBy(s => s.Invocation).ToList();

        // One user, so invocations are sequential: the warm-up's come first, then exactly the next three are marked.
        Assert.Equal([result.WarmUpCount + 1, result.WarmUpCount + 2, result.WarmUpCount + 3], traced.Select(s => s.Invocation));
        Assert.Equal(result.TraceIds, traced.Select(s => s.TraceParent!.Split('-')[1]));
        Assert.All(traced, s => Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", s.TraceParent));
        Assert.Equal(3, result.TraceIds.Distinct().Count());
    }

    [Fact]
    public async Task WithTracedRequestsZero_NoInvocationIsMarked()
    {
        var marked = 0;
        var scenario = Scenario.Create("untraced", ctx =>
            {
                if (ctx.TraceParent is not null)
                {
                    Interlocked.Increment(ref marked);
                }

                return Task.FromResult<IResponse>(Response.Ok());
            })
            .WithTracedRequests(0)
            .WithLoadSimulations(Simulation.IterationsForConstant(2, 20));

        var run = await EngineRun.RunAsync(scenario);

        Assert.Equal(20, run.Scenarios.Single().Stats.Ok);
        Assert.Equal(0, marked);
        Assert.Empty(run.Scenarios.Single().TraceIds);
    }
}
