using System.Diagnostics;
using Harness.Hosting;

namespace Observability.Tests;

/// <summary>
/// The seed's point, seen in the trace UI: through the gateway, the async aggregation's
/// downstream calls run side by side and the sync one's run as a staircase. Read back from the
/// Aspire dashboard's telemetry API, as a user would see them.
/// </summary>
[Collection(TracedStack.Collection)]
public sealed class FanOutTraceTests(TracedStack stack)
{
    private const int FanOut = 5;
    private const int DelayMs = 400;

    /// <summary>
    /// The async calls' delay: their overlap is judged by the last one starting before the first
    /// ends, so a target stalled while it starts them (a busy machine, a GC) would need to stall
    /// for a whole second to fail it. Calls made one after another never overlap, whatever the delay.
    /// </summary>
    private const int OverlapDelayMs = 1000;

    [Fact]
    public async Task AsyncAggregation_FiveDownstreamCalls_OverlapInTheTrace()
    {
        var calls = await DownstreamCallsAsync("/api/aggregated/", OverlapDelayMs);

        // Each call starts before any of them ends.
        var lastStart = calls.Max(c => c.Start);
        var firstEnd = calls.Min(c => c.End);
        Assert.True(lastStart < firstEnd, $"the last call started at {lastStart:O}, after the first ended at {firstEnd:O}");
    }

    [Fact]
    public async Task SyncAggregation_FiveDownstreamCalls_FollowOneAnother()
    {
        var calls = await DownstreamCallsAsync("/api/aggregated_sync/", DelayMs);

        // Each call starts after the previous one has ended.
        for (int i = 1; i < calls.Count; i++)
        {
            Assert.True(calls[i].Start >= calls[i - 1].End, $"call {i} started at {calls[i].Start:O}, before call {i - 1} ended at {calls[i - 1].End:O}");
        }
    }

    [Fact]
    public async Task ThroughTheGateway_TheGatewaysSpan_IsTheTargetsParent()
    {
        var (traceId, clientSpan, traceparent) = TracedStack.SampledTraceparent();
        await stack.GetAsync($"/api/aggregated/?n={FanOut}&delay_ms={DelayMs}", traceparent);

        var spans = await stack.TraceAsync(traceId, s => s.Any(IsTargetServer) && s.Any(IsGatewayServer));

        var gatewayServer = Assert.Single(spans, IsGatewayServer);
        Assert.Equal(clientSpan, gatewayServer.ParentSpanId);
        var targetServer = Assert.Single(spans, IsTargetServer);
        var parent = Assert.Single(spans, s => s.SpanId == targetServer.ParentSpanId);
        Assert.Equal(TracedStack.Gateway, parent.Service);
        Assert.True(IsDescendantOf(parent, gatewayServer, spans), "the target's parent span should sit under the gateway's server span");
    }

    private async Task<IReadOnlyList<TelemetrySpan>> DownstreamCallsAsync(string route, int delayMs)
    {
        var (traceId, _, traceparent) = TracedStack.SampledTraceparent();
        await stack.GetAsync($"{route}?n={FanOut}&delay_ms={delayMs}", traceparent);

        var spans = await stack.TraceAsync(traceId, s => s.Count(IsDownstreamCall) == FanOut && s.Any(IsTargetServer));
        var calls = spans.Where(IsDownstreamCall).OrderBy(s => s.Start).ToList();

        // Every call is the aggregation's own, under the target's request, under the gateway's.
        var targetServer = Assert.Single(spans, IsTargetServer);
        Assert.All(calls, call => Assert.True(IsDescendantOf(call, targetServer, spans), $"{call.Name} should sit under the target's request span"));
        Assert.All(calls, call => Assert.True(call.Duration >= TimeSpan.FromMilliseconds(delayMs * 0.9), $"a call took {call.Duration}, less than the downstream's delay"));
        return calls;
    }

    private static bool IsDownstreamCall(TelemetrySpan span) => span.Service == TracedStack.Target && span.Kind == ActivityKind.Client;

    private static bool IsTargetServer(TelemetrySpan span) => span.Service == TracedStack.Target && span.Kind == ActivityKind.Server;

    private static bool IsGatewayServer(TelemetrySpan span) => span.Service == TracedStack.Gateway && span.Kind == ActivityKind.Server;

    private static bool IsDescendantOf(TelemetrySpan span, TelemetrySpan ancestor, IReadOnlyList<TelemetrySpan> spans)
    {
        for (var current = span; current.ParentSpanId is { } parentId;)
        {
            if (parentId == ancestor.SpanId)
            {
                return true;
            }

            var parent = spans.FirstOrDefault(s => s.SpanId == parentId);
            if (parent is null)
            {
                return false;
            }

            current = parent;
        }

        return false;
    }
}
