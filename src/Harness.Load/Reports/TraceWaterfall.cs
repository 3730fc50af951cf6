using System.Globalization;
using System.Net;
using System.Text;

namespace Harness.Load;

/// <summary>
/// The report's "one request per mode" section: each scenario's traced request as a waterfall
/// (a row per span, indented under its parent, its bar placed from the request's start), plain
/// HTML with inline widths so it needs no script and prints as it looks.
/// </summary>
internal static class TraceWaterfall
{
    public static void Append(StringBuilder html, RunResult run)
    {
        var c = CultureInfo.InvariantCulture;
        html.Append("<section id=\"traces\"><h2>One request per mode</h2>");
        var traced = run.Scenarios.Where(s => s.Trace is { Spans.Count: > 0 }).ToList();
        if (traced.Count == 0)
        {
            var sent = run.Scenarios.Where(s => s.TraceIds.Count > 0).ToList();
            html.Append("<p class=\"note\" id=\"traces-missing\">No trace was read back for this run. Run the embedded stack with <code>--dashboard</code>: ")
                .Append("the engine starts the Aspire dashboard, sends it every service's traces, marks the first requests of each scenario as sampled ")
                .Append("and draws one of them here (gateway → target → downstream calls).</p>");
            if (sent.Count > 0)
            {
                html.Append("<p class=\"note\">The sampled requests' trace ids, to look up in a trace backend of your own: ");
                html.Append(string.Join(" · ", sent.Select(s => $"{E(s.Name)}: {string.Join(", ", s.TraceIds.Select(id => $"<code>{E(id)}</code>"))}")));
                html.Append("</p>");
            }

            html.Append("</section>");
            return;
        }

        html.Append("<p class=\"note\">One of the first requests after warm-up, sent with a sampled <code>traceparent</code>, as the services recorded it. ")
            .Append("Bars start at the time from the request's first span; concurrent downstream calls overlap, sequential ones form a staircase. ")
            .Append("<span class=\"span-legend kind-server\"></span> server <span class=\"span-legend kind-client\"></span> client <span class=\"span-legend kind-internal\"></span> internal.</p>");
        foreach (var scenario in traced)
        {
            var trace = scenario.Trace!;
            var total = Math.Max(trace.Spans.Max(s => s.EndMs), 0.001);
            html.Append(c, $"<figure class=\"waterfall\" data-scenario=\"{E(scenario.Name)}\"><figcaption><strong>{E(scenario.Name)}</strong> · {total:0.#} ms · {trace.Spans.Count} spans · trace <code>{E(trace.TraceId)}</code>");
            if (trace.Source.Length > 0)
            {
                html.Append(c, $" · <a href=\"{E(trace.Source)}traces/detail/{E(trace.TraceId)}\">open in the dashboard</a> (while it runs)");
            }

            html.Append("</figcaption>");
            foreach (var (span, depth) in InTreeOrder(trace.Spans))
            {
                var left = span.StartMs / total * 100;
                var width = Math.Max(span.DurationMs / total * 100, 0.2);
                html.Append(c, $"<div class=\"span-row\" data-kind=\"{E(span.Kind)}\" data-service=\"{E(span.Service)}\" data-start-ms=\"{span.StartMs:0.###}\" data-end-ms=\"{span.EndMs:0.###}\">");
                html.Append(c, $"<span class=\"span-label\" style=\"padding-left:{depth * 12}px\" title=\"{E(span.Service)} · {E(span.Name)}\"><b>{E(span.Service)}</b> {E(span.Name)}</span>");
                html.Append(c, $"<span class=\"span-track\"><span class=\"span-bar kind-{E(span.Kind)}\" style=\"left:{left:0.###}%;width:{Math.Min(width, 100 - left):0.###}%\"></span></span>");
                html.Append(c, $"<span class=\"span-ms\">{span.StartMs:0.#} + {span.DurationMs:0.#} ms</span></div>");
            }

            html.Append("</figure>");
        }

        html.Append("</section>");
    }

    /// <summary>Parents before their children, siblings by start; spans whose parent is not in the trace are roots.</summary>
    private static List<(TraceSpan Span, int Depth)> InTreeOrder(IReadOnlyList<TraceSpan> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var children = spans.Where(s => s.ParentSpanId is not null && ids.Contains(s.ParentSpanId))
            .ToLookup(s => s.ParentSpanId!, StringComparer.Ordinal);
        var ordered = new List<(TraceSpan, int)>(spans.Count);
        void Visit(TraceSpan span, int depth)
        {
            ordered.Add((span, depth));
            foreach (var child in children[span.SpanId].OrderBy(s => s.StartMs))
            {
                Visit(child, depth + 1);
            }
        }

        foreach (var root in spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderBy(s => s.StartMs))
        {
            Visit(root, 0);
        }

        return ordered;
    }

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
}
