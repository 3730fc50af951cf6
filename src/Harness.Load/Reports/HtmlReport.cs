using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Harness.Load;

/// <summary>
/// The report a user opens first: one self-contained HTML file (styles, chart code and figures
/// inline), so it renders offline and can be mailed. Interval histograms stay in results.json;
/// the page carries only what it draws.
/// </summary>
public static class HtmlReport
{
    private static readonly JsonSerializerOptions Compact = new(ReportWriter.Json) { WriteIndented = false };

    public static string Render(RunResult run)
    {
        var c = CultureInfo.InvariantCulture;
        var analysis = run.Analysis ?? new RunAnalysis { Headline = ReportWriter.DefaultHeadline(run) };
        var html = new StringBuilder(64 * 1024);
        html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append(c, $"<title>Harness · {E(run.Suite)} · {run.StartedAt:yyyy-MM-dd HH:mm}</title><style>");
        html.Append(Asset("charts.css")).Append(Asset("report.css")).Append("</style></head><body><main>");

        html.Append(c, $"<header><h1>Harness run: {E(run.Suite)}</h1><p class=\"meta\">{run.StartedAt:yyyy-MM-dd HH:mm:ss} UTC · {(run.FinishedAt - run.StartedAt).TotalSeconds:0} s · ");
        html.Append(run.Completed ? "completed" : $"<span class=\"bad\">stopped early: {E(run.StopReason)}</span>").Append("</p></header>");

        html.Append("<section class=\"summary\" id=\"summary\">");
        html.Append(c, $"<p class=\"headline\">{E(analysis.Headline)}</p>");
        if (run.Thresholds.Count > 0)
        {
            var failed = run.Thresholds.Count(t => !t.Passed);
            html.Append(c, $"<p class=\"{(failed == 0 ? "good" : "bad")}\">{(failed == 0 ? "Every threshold held." : $"{failed} of {run.Thresholds.Count} threshold checks failed.")}</p><ul class=\"thresholds\">");
            foreach (var t in run.Thresholds)
            {
                html.Append(c, $"<li class=\"{(t.Passed ? "good" : "bad")}\">{(t.Passed ? "✔" : "✘")} {E(t.Scenario)}: <code>{E(t.Expression)}</code> (was {t.Actual:0.####})</li>");
            }

            html.Append("</ul>");
        }

        if (run.Warnings.Count > 0)
        {
            html.Append("<div class=\"warnings\"><strong>Generator health:</strong><ul>");
            foreach (var w in run.Warnings)
            {
                html.Append(c, $"<li>{E(w)}</li>");
            }

            html.Append("</ul></div>");
        }
        else
        {
            html.Append("<p class=\"good\">Generator health: no warnings (CPU, GC pauses, thread-pool queue and schedule lag stayed within bounds).</p>");
        }

        html.Append("<table><thead><tr><th>scenario</th><th>requests</th><th>ok</th><th>failed</th><th>not sent (in-flight cap)</th><th>unfinished</th><th>req/s ok</th><th>vs best</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>peak pool threads</th><th>status codes</th><th>errors</th></tr></thead><tbody>");
        foreach (var s in run.Scenarios)
        {
            var st = s.Stats;
            var mode = analysis.Modes.FirstOrDefault(m => m.Scenario == s.Name);
            html.Append(c, $"<tr><th>{E(s.Name)}</th><td>{st.Count}</td><td>{st.Ok}</td><td>{st.Fail}</td><td>{st.Dropped}</td><td>{st.Unfinished}</td><td>{st.OkRps:0.##}</td>");
            html.Append(c, $"<td>{(mode is null ? "–" : (mode.RelativeThroughput * 100).ToString("0", c) + "%")}</td><td>{ReportWriter.Seconds(st.Latency.Mean)}</td><td>{ReportWriter.Seconds(st.Latency.P50)}</td><td>{ReportWriter.Seconds(st.Latency.P90)}</td><td>{ReportWriter.Seconds(st.Latency.P99)}</td><td>{ReportWriter.Seconds(st.Latency.Max)}</td>");
            html.Append(c, $"<td>{(mode?.PeakPoolThreads is { } threads ? threads.ToString("0", c) : "–")}</td><td>{E(Counts(st.StatusCodes))}</td><td>{E(Counts(st.Errors))}</td></tr>");

            // A row per step under its scenario: where inside an invocation the time went.
            foreach (var step in s.Steps)
            {
                var sst = step.Stats;
                html.Append(c, $"<tr class=\"step\" data-step=\"{E(s.Name)}/{E(step.Name)}\"><th>↳ {E(step.Name)}</th><td>{sst.Count}</td><td>{sst.Ok}</td><td>{sst.Fail}</td><td>–</td><td>–</td><td>{sst.OkRps:0.##}</td>");
                html.Append(c, $"<td>–</td><td>{ReportWriter.Seconds(sst.Latency.Mean)}</td><td>{ReportWriter.Seconds(sst.Latency.P50)}</td><td>{ReportWriter.Seconds(sst.Latency.P90)}</td><td>{ReportWriter.Seconds(sst.Latency.P99)}</td><td>{ReportWriter.Seconds(sst.Latency.Max)}</td>");
                html.Append(c, $"<td>–</td><td>{E(Counts(sst.StatusCodes))}</td><td>{E(Counts(sst.Errors))}</td></tr>");
            }
        }

        html.Append("</tbody></table>");
        if (ReportWriter.DrainLine(run) is { } drain)
        {
            html.Append(c, $"<p class=\"note drain\">{E(drain)}.</p>");
        }

        if (analysis.Modes.Any(m => m.OfferedRps is not null))
        {
            // The open model's question is not who answered most but what each mode did with the same arrivals.
            html.Append("<h3>Open model: the same arrivals for every mode</h3><p class=\"note\">Latency counts from each request's intended start, so a backlog shows in it. ");
            html.Append("Not sent: arrivals dropped because the mode already had its in-flight cap of requests out. Late: requests the generator itself sent late (its own lag, not the server's).</p>");
            html.Append("<table class=\"open-model\"><thead><tr><th>mode</th><th>offered req/s</th><th>ok req/s</th><th>p50</th><th>p99</th><th>not sent (in-flight cap)</th><th>failed</th><th>unfinished</th><th>late</th><th>lag p99</th></tr></thead><tbody>");
            foreach (var m in analysis.Modes)
            {
                html.Append(c, $"<tr><th>{E(m.Mode)}</th><td>{m.OfferedRps:0.##}</td><td>{m.OkRps:0.#}</td><td>{ReportWriter.Seconds(m.P50)}</td><td>{ReportWriter.Seconds(m.P99)}</td>");
                html.Append(c, $"<td class=\"{(m.Dropped > 0 ? "bad" : "")}\">{E(ReportWriter.OpenDropped(m))}</td><td>{m.Failed}</td><td>{m.Unfinished}</td><td>{m.Late}</td><td>{(m.LagP99 is { } lag ? ReportWriter.Seconds(lag) : "–")}</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        if (run.Generators.Count > 0)
        {
            // A merged run: how the load was shared, so an overloaded generator stands out.
            var total = Math.Max(1, run.Generators.Sum(g => g.Count));
            html.Append(c, $"<h3>Generators ({run.Generators.Count}, run {E(run.RunId ?? "")})</h3><table class=\"generators\"><thead><tr><th>segment</th><th>machine</th><th>started</th><th>requests</th><th>share</th><th>peak CPU</th><th>warnings</th></tr></thead><tbody>");
            foreach (var g in run.Generators)
            {
                var peakCpu = g.Samples.Count == 0 ? "–" : (g.Samples.Max(s => s.Cpu) * 100).ToString("0", c) + "%";
                html.Append(c, $"<tr><th>{E(g.Segment.ToString())}</th><td>{E(g.Machine)}</td><td>+{(g.StartedAt - run.StartedAt).TotalMilliseconds:0} ms</td><td>{g.Count}</td><td>{100.0 * g.Count / total:0.0}%</td><td>{peakCpu}</td><td>{g.Warnings.Count}</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        if (analysis.Knees.Count > 0)
        {
            html.Append("<p>Knees: ");
            html.Append(string.Join(" · ", analysis.Knees.Select(k => E(k.Users is { } u ? string.Create(c, $"{k.Mode} at {u:0} users ({k.RpsAtKnee:0.#} req/s; p99 {ReportWriter.KneeClimb(k)})") : $"{k.Mode}: none within the steps"))));
            html.Append("</p>");
        }

        html.Append("</section><div id=\"charts\"></div>");
        TraceWaterfall.Append(html, run);

        var f = run.Fingerprint;
        html.Append("<section><h2>Run fingerprint</h2><table class=\"kv\"><tbody>");
        foreach (var (key, value) in new[] { ("machine", $"{f.Machine}, {f.Cores} cores, {f.Os}"), (".NET", f.Dotnet), ("GC", f.Gc), ("commit", f.Commit), ("target", f.Target), ("command", f.CommandLine) }
                     .Concat(run.Settings.Select(kv => (kv.Key, kv.Value))))
        {
            html.Append(c, $"<tr><th>{E(key)}</th><td>{E(value)}</td></tr>");
        }

        html.Append("</tbody></table><p class=\"note\">Every figure here is also in results.json (with HDR histograms per interval), summary.md and stats.csv.</p></section>");
        html.Append("</main><script type=\"application/json\" id=\"run-data\">").Append(PageData(run, analysis).Replace("</", "<\\/", StringComparison.Ordinal)).Append("</script>");
        html.Append("<script>").Append(Asset("charts.js")).Append("</script><script>").Append(Asset("report.js")).Append("</script></body></html>\n");
        return html.ToString();
    }

    /// <summary>The comparison page: the verdict table, then both runs overlaid per scenario.</summary>
    public static string RenderComparison(RunComparison comparison, RunResult baseline, RunResult candidate)
    {
        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder(32 * 1024);
        html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append(c, $"<title>Harness · {E(comparison.Baseline)} vs {E(comparison.Candidate)}</title><style>").Append(Asset("charts.css")).Append(Asset("report.css")).Append("</style></head><body><main>");
        html.Append(c, $"<header><h1>Run comparison</h1><p class=\"meta\">baseline <code>{E(comparison.Baseline)}</code> ({baseline.StartedAt:yyyy-MM-dd HH:mm}, {E(baseline.Fingerprint.Commit)}) · candidate <code>{E(comparison.Candidate)}</code> ({candidate.StartedAt:yyyy-MM-dd HH:mm}, {E(candidate.Fingerprint.Commit)})</p></header>");
        html.Append("<section class=\"summary\">");
        html.Append(comparison.HasRegression
            ? "<p class=\"bad headline\">Regression beyond the runs' noise.</p>"
            : "<p class=\"good headline\">No regression beyond the runs' noise.</p>");
        html.Append(c, $"<p class=\"note\">{E(RunComparison.NoiseRule)}</p>");
        html.Append("<table><thead><tr><th>scenario</th><th>metric</th><th>baseline</th><th>candidate</th><th>change</th><th>noise ±</th><th>blocks</th><th>verdict</th></tr></thead><tbody>");
        foreach (var d in comparison.Deltas)
        {
            var css = d.Verdict switch { "regression" => "bad", "improvement" => "good", _ => "" };
            html.Append(c, $"<tr><th>{E(d.Scenario)}</th><td>{E(d.Metric)}</td><td>{d.Baseline:0.###}</td><td>{d.Candidate:0.###}</td><td>{(d.Change is { } ch ? (ch * 100).ToString("+0.0;-0.0;0", c) + "%" : "–")}</td><td>{RunComparison.NoiseText(d)}</td><td>{E(d.Blocks)}</td><td class=\"{css}\">{E(d.Verdict)}</td></tr>");
        }

        html.Append("</tbody></table>");
        foreach (var only in comparison.OnlyInOne)
        {
            html.Append(c, $"<p class=\"note\">Not compared: {E(only)}.</p>");
        }

        html.Append("</section><div id=\"charts\"></div></main>");
        var data = new
        {
            scenarios = baseline.Scenarios.Where(b => candidate.Scenarios.Any(s => s.Name == b.Name)).Select(b =>
            {
                var cand = candidate.Scenarios.First(s => s.Name == b.Name);
                return new
                {
                    name = b.Name,
                    baseline = b.Intervals.Select(i => new[] { Math.Round(i.Start + i.Duration - b.Start, 3), i.Stats.OkRps, i.Stats.Latency.P99 }),
                    candidate = cand.Intervals.Select(i => new[] { Math.Round(i.Start + i.Duration - cand.Start, 3), i.Stats.OkRps, i.Stats.Latency.P99 }),
                    baselineSpectrum = b.Spectrum.Where(p => p.Percentile < 100).Select(p => new[] { p.Percentile, p.Ms }),
                    candidateSpectrum = cand.Spectrum.Where(p => p.Percentile < 100).Select(p => new[] { p.Percentile, p.Ms }),
                };
            }),
        };
        html.Append("<script type=\"application/json\" id=\"comparison-data\">").Append(JsonSerializer.Serialize(data, Compact).Replace("</", "<\\/", StringComparison.Ordinal)).Append("</script>");
        html.Append("<script>").Append(Asset("charts.js")).Append("</script><script>").Append(Asset("comparison.js")).Append("</script></body></html>\n");
        return html.ToString();
    }

    /// <summary>Only what the charts draw, in short keys: a 10-minute run stays well under a megabyte.</summary>
    private static string PageData(RunResult run, RunAnalysis analysis) => JsonSerializer.Serialize(
        new
        {
            scenarios = run.Scenarios.Select(s => new
            {
                name = s.Name,
                start = s.Start,
                end = s.End,
                drain = Drain(s),
                intervals = s.Intervals.Select(i => new
                {
                    t = i.Start,
                    d = i.Duration,
                    load = i.LoadLevel,
                    count = i.Stats.Count,
                    okRps = i.Stats.OkRps,
                    fail = i.Stats.Fail,
                    dropped = i.Stats.Dropped,
                    p50 = i.Stats.Latency.P50,
                    p99 = i.Stats.Latency.P99,
                }),
                spectrum = s.Spectrum.Select(p => new { percentile = p.Percentile, ms = p.Ms }),
                steps = s.Steps.Select(step => new
                {
                    name = step.Name,
                    intervals = step.Intervals.Select(i => new { t = i.Start, d = i.Duration, count = i.Stats.Count, okRps = i.Stats.OkRps, p50 = i.Stats.Latency.P50, p99 = i.Stats.Latency.P99 }),
                    spectrum = step.Spectrum.Select(p => new { percentile = p.Percentile, ms = p.Ms }),
                }),
            }),
            servers = run.Servers.Select(s => new
            {
                name = s.Name,
                samples = s.Samples.OrderBy(p => p.T).Select(p => new
                {
                    t = p.T,
                    up = p.Up,
                    poolThreads = p.PoolThreads,
                    queueLength = p.QueueLength,
                    cpu = p.Cpu,
                    workingSetBytes = p.WorkingSetBytes,
                    inFlightRequests = p.InFlightRequests,
                }),
            }),
            generator = run.Generator.Select(g => new { t = g.T, cpu = g.Cpu, gc = g.GcPauseFraction }),
            knees = analysis.Knees.Select(k => new { mode = k.Mode, users = k.Users, steps = k.Steps.Select(p => new { users = p.Users, okRps = p.OkRps, p99 = p.P99 }) }),
        },
        Compact);

    /// <summary>From the first drain interval's start to the last one's end, or null when the scenario has none.</summary>
    private static double[]? Drain(ScenarioResult scenario)
    {
        var drain = scenario.Intervals.Where(i => i.Drain).ToList();
        return drain.Count == 0 ? null : [drain.Min(i => i.Start), Math.Round(drain.Max(i => i.Start + i.Duration), 3)];
    }

    private static string Counts(Dictionary<string, long> counts) =>
        counts.Count == 0 ? "–" : string.Join(" ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{kv.Value}"));

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static string Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The report asset '{name}' is not embedded in the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
