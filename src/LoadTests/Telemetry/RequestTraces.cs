using System.Diagnostics;
using Harness.Hosting;
using Harness.Load;

namespace Harness.LoadTests.Telemetry;

/// <summary>
/// Reads back, from the Aspire dashboard, the traces of the requests the engine sent sampled
/// (<see cref="ScenarioResult.TraceIds"/>) and keeps the most complete one per scenario for the
/// report's waterfall.
/// </summary>
public static class RequestTraces
{
    /// <summary>The services export in batches (every second with <see cref="ExportEnvironment"/>); a trace is complete once its span count stops growing.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(1500);

    /// <summary>Exporter settings added to <see cref="AspireDashboard.ExporterEnvironment"/>: batches every second, so a run's last traces arrive soon after it.</summary>
    public static IReadOnlyDictionary<string, string> ExportEnvironment(AspireDashboard dashboard, string serviceName)
    {
        var environment = new Dictionary<string, string>(dashboard.ExporterEnvironment(serviceName))
        {
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
        };
        return environment;
    }

    /// <summary>Fills <see cref="ScenarioResult.Trace"/> for every scenario with marked requests; waits at most <paramref name="timeout"/> in all.</summary>
    public static async Task AttachAsync(RunResult run, AspireDashboard dashboard, TimeSpan timeout, Action<string> progress, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var scenario in run.Scenarios.Where(s => s.TraceIds.Count > 0))
        {
            IReadOnlyList<TelemetrySpan> best;
            try
            {
                best = await MostCompleteAsync(dashboard.Telemetry, scenario.TraceIds, timeout - deadline.Elapsed, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // The measurement is done and must still be written: a dashboard that stopped answering,
                // or a Ctrl+C while waiting for it, costs only the waterfall.
                progress($"{scenario.Name}: its traces could not be read from the dashboard ({ex.Message})");
                continue;
            }

            if (best.Count == 0)
            {
                progress($"{scenario.Name}: none of its {scenario.TraceIds.Count} marked traces reached the dashboard");
                continue;
            }

            scenario.Trace = ToRequestTrace(best, dashboard.Url.ToString());
        }
    }

    private static async Task<IReadOnlyList<TelemetrySpan>> MostCompleteAsync(
        DashboardTelemetryClient telemetry, IReadOnlyList<string> traceIds, TimeSpan budget, CancellationToken cancellationToken)
    {
        var limit = Stopwatch.StartNew();
        IReadOnlyList<TelemetrySpan> best = [];
        int previousTotal = -1;
        var stableSince = Stopwatch.StartNew();
        while (true)
        {
            int total = 0;
            foreach (var id in traceIds)
            {
                var spans = await telemetry.GetTraceAsync(id, cancellationToken).ConfigureAwait(false);
                total += spans.Count;
                if (spans.Count > best.Count)
                {
                    best = spans;
                }
            }

            if (total != previousTotal)
            {
                previousTotal = total;
                stableSince.Restart();
            }
            else if (total > 0 && stableSince.Elapsed >= Settle)
            {
                return best;
            }

            if (limit.Elapsed >= budget)
            {
                return best;
            }

            // Polling another process's store: the dashboard has nothing to await on.
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The spans in start order, times in milliseconds from the earliest.</summary>
    public static RequestTrace ToRequestTrace(IReadOnlyList<TelemetrySpan> spans, string source)
    {
        var origin = spans.Min(s => s.Start);
        return new RequestTrace
        {
            TraceId = spans[0].TraceId,
            Source = source,
            Spans = [.. spans.OrderBy(s => s.Start).Select(s => new TraceSpan
            {
                Service = s.Service,
                Name = s.Name,
                SpanId = s.SpanId,
                ParentSpanId = s.ParentSpanId,
                Kind = s.Kind.ToString().ToLowerInvariant(),
                StartMs = Math.Round((s.Start - origin).TotalMilliseconds, 3),
                DurationMs = Math.Round(s.Duration.TotalMilliseconds, 3),
            })],
        };
    }
}
