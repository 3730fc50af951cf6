using System.Diagnostics;
using Harness.Hosting;

namespace Observability.Tests;

/// <summary>The services' logs reach the dashboard with the trace of the request that wrote them.</summary>
[Collection(TracedStack.Collection)]
public sealed class CorrelatedLogTests(TracedStack stack)
{
    [Fact]
    public async Task SyncAggregation_TheAntiPatternWarning_CarriesItsTraceId()
    {
        var (traceId, _, traceparent) = TracedStack.SampledTraceparent();
        await stack.GetAsync("/api/aggregated_sync/?n=2&delay_ms=10", traceparent);

        IReadOnlyList<TelemetryLog> warnings = [];
        await Harness.Testing.Eventually.TrueAsync(
            async () => (warnings = await stack.Dashboard.Telemetry.GetLogsAsync(traceId, minimumSeverity: "Warning")).Count > 0,
            $"a warning with trace id {traceId} in the dashboard", TracedStack.TelemetryPatience);

        var warning = Assert.Single(warnings);
        Assert.Equal(TracedStack.Target, warning.Service);
        Assert.Equal(traceId, warning.TraceId);
        Assert.Contains("ANTI-PATTERN", warning.Message, StringComparison.Ordinal);
        Assert.Equal("sync", warning.Attributes["Mode"]);

        // Written inside the aggregation's own span, so the log view links it to that span.
        var spans = await stack.TraceAsync(traceId, s => s.Any(span => span.SpanId == warning.SpanId));
        Assert.Equal("aggregate sync", Assert.Single(spans, s => s.SpanId == warning.SpanId).Name);
    }

    [Fact]
    public async Task AsyncAggregation_LogsNoBlockingWarning()
    {
        var (traceId, _, traceparent) = TracedStack.SampledTraceparent();
        await stack.GetAsync("/api/aggregated/?n=2&delay_ms=10", traceparent);

        // Logs and spans leave the target in batches of the same period: once the request's own
        // span is in, a warning written before it ended would be too.
        await stack.TraceAsync(traceId, s => s.Any(span => span.Service == TracedStack.Target && span.Kind == ActivityKind.Server));
        var (syncTrace, _, syncParent) = TracedStack.SampledTraceparent();
        await stack.GetAsync("/api/aggregated_sync/?n=1&delay_ms=10", syncParent);
        await Harness.Testing.Eventually.TrueAsync(
            async () => (await stack.Dashboard.Telemetry.GetLogsAsync(syncTrace, minimumSeverity: "Warning")).Count > 0,
            "the later sync request's warning", TracedStack.TelemetryPatience);

        Assert.Empty(await stack.Dashboard.Telemetry.GetLogsAsync(traceId, minimumSeverity: "Warning"));
    }

    [Fact]
    public async Task ACallerThatDidNotSample_LeavesNoTrace()
    {
        // Parent-based sampling: the caller's "not recorded" flag is followed by every service.
        var (unsampled, _, unsampledParent) = TracedStack.Traceparent(sampled: false);
        await stack.GetAsync("/api/aggregated/?n=2&delay_ms=10", unsampledParent);
        var (sampled, _, sampledParent) = TracedStack.SampledTraceparent();
        await stack.GetAsync("/api/aggregated/?n=2&delay_ms=10", sampledParent);

        // The later request's spans are in, from each service (each exports on its own, and a
        // busy machine can hold one back), so the earlier one's would be too had they been recorded.
        await stack.TraceAsync(sampled, s =>
            s.Count(span => span.Service == TracedStack.Downstream) == 2
            && s.Any(span => span.Service == TracedStack.Target)
            && s.Any(span => span.Service == TracedStack.Gateway));
        Assert.Empty(await stack.Dashboard.Telemetry.GetTraceAsync(unsampled));
    }
}
