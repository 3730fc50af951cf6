using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Harness.Load;

/// <summary>Writes a run's folder: results.json (everything), summary.md, stats.csv and index.html (the same numbers).</summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A fresh folder <c>&lt;root&gt;/&lt;UTC time&gt;-&lt;suite&gt;</c>.</summary>
    public static string NewRunDirectory(string root, string suite, DateTimeOffset at)
    {
        var name = $"{at.UtcDateTime:yyyyMMdd-HHmmss}-{suite}";
        var path = Path.Combine(root, name);
        for (int i = 2; Directory.Exists(path); i++)
        {
            path = Path.Combine(root, $"{name}-{i}");
        }

        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Fails before a run, saying what to change, when <paramref name="folder"/> cannot be created or written to.</summary>
    public static void EnsureWritable(string folder)
    {
        var full = Path.GetFullPath(folder);
        try
        {
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new ConfigurationException($"The report folder '{full}' cannot be written to ({ex.Message}). Choose a folder you can write to, or fix its permissions.");
        }
    }

    /// <summary>Writes the run's report files; <paramref name="formats"/> chooses which (default: all four).</summary>
    public static void WriteAll(RunResult run, string directory, IReadOnlyCollection<ReportFormat>? formats = null)
    {
        formats ??= [ReportFormat.Html, ReportFormat.Md, ReportFormat.Csv, ReportFormat.Json];
        Directory.CreateDirectory(directory);
        if (formats.Contains(ReportFormat.Json))
        {
            WriteAtomically(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(run, Json));
        }

        if (formats.Contains(ReportFormat.Md))
        {
            WriteAtomically(Path.Combine(directory, "summary.md"), Markdown(run));
        }

        if (formats.Contains(ReportFormat.Csv))
        {
            WriteAtomically(Path.Combine(directory, "stats.csv"), Csv(run));
        }

        if (formats.Contains(ReportFormat.Html))
        {
            WriteAtomically(Path.Combine(directory, "index.html"), HtmlReport.Render(run));
        }
    }

    public static RunResult Read(string directoryOrFile)
    {
        var path = Directory.Exists(directoryOrFile) ? Path.Combine(directoryOrFile, "results.json") : directoryOrFile;
        if (!File.Exists(path))
        {
            throw new ConfigurationException($"'{path}' does not exist: give a run's report folder (reports/<time>-<suite>) or its results.json.");
        }

        try
        {
            return JsonSerializer.Deserialize<RunResult>(File.ReadAllText(path), Json)
                ?? throw new ConfigurationException($"'{path}' holds no run.");
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException($"'{path}' is not a Harness results.json: {ex.Message}");
        }
    }

    private static void WriteAtomically(string path, string content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }

    public static string Markdown(RunResult run)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# Harness run: {run.Suite}");
        md.AppendLine();
        md.AppendLine(c, $"{run.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {(run.FinishedAt - run.StartedAt).TotalSeconds:0} s, {(run.Completed ? "completed" : "**stopped early: " + run.StopReason + "**")}.");
        md.AppendLine();
        md.AppendLine(c, $"**{(run.Analysis is { Headline.Length: > 0 } analysis ? analysis.Headline : DefaultHeadline(run))}**");
        md.AppendLine();

        md.AppendLine("| scenario | requests | ok | failed | not sent (in-flight cap) | unfinished | req/s (ok) | mean | p50 | p90 | p99 | max | status codes | errors |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var s in run.Scenarios)
        {
            Row(s.Name, s.Stats);
            foreach (var step in s.Steps)
            {
                Row($"{s.Name} / {step.Name}", step.Stats);
            }
        }

        md.AppendLine();
        if (DrainLine(run) is { } drain)
        {
            md.AppendLine(drain + ".");
            md.AppendLine();
        }

        if (run.Analysis?.Modes.Count > 0 && run.Analysis.Modes.Any(m => m.OfferedRps is not null))
        {
            md.AppendLine("Open model: every mode was offered the same arrivals; latency counts from each request's intended start, so a backlog shows in it.");
            md.AppendLine();
            md.AppendLine("| mode | offered req/s | ok req/s | p50 | p99 | not sent (in-flight cap) | failed | unfinished | late | lag p99 | peak pool threads (targets) |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var m in run.Analysis.Modes)
            {
                md.AppendLine(c, $"| {m.Mode} | {m.OfferedRps:0.##} | {m.OkRps:0.#} | {Seconds(m.P50)} | {Seconds(m.P99)} | {OpenDropped(m)} | {m.Failed} | {m.Unfinished} | {m.Late} | {(m.LagP99 is { } lag ? Seconds(lag) : "–")} | {Opt(m.PeakPoolThreads)} |");
            }

            md.AppendLine();
        }
        else if (run.Analysis?.Modes.Count > 0)
        {
            md.AppendLine("| mode | throughput vs best | peak pool threads (targets) | peak queue (targets) |");
            md.AppendLine("|---|---:|---:|---:|");
            foreach (var m in run.Analysis.Modes)
            {
                md.AppendLine(c, $"| {m.Mode} | {m.RelativeThroughput * 100:0}% | {Opt(m.PeakPoolThreads)} | {Opt(m.PeakQueueLength)} |");
            }

            md.AppendLine();
        }

        if (run.Analysis?.Knees.Count > 0)
        {
            md.AppendLine("| mode | knee (users) | req/s at knee | p99 at knee → next step | steps (users: req/s, p99) |");
            md.AppendLine("|---|---:|---:|---:|---|");
            foreach (var k in run.Analysis.Knees)
            {
                var climb = k.Users is null ? "–" : KneeClimb(k);
                md.AppendLine(c, $"| {k.Mode} | {(k.Users is { } u ? u.ToString("0", c) : "none in range")} | {k.RpsAtKnee:0.#} | {climb} | {string.Join("; ", k.Steps.Select(p => string.Create(c, $"{p.Users:0}: {p.OkRps:0.#}, {Seconds(p.P99)}")))} |");
            }

            md.AppendLine();
        }

        if (run.Scenarios.Any(s => s.Steps.Count > 0))
        {
            md.AppendLine("Rows named `scenario / step` are the scenario's steps (`Step.Run`), each measured on its own.");
            md.AppendLine();
        }

        if (run.Thresholds.Count > 0)
        {
            md.AppendLine("## Thresholds");
            md.AppendLine();
            foreach (var t in run.Thresholds)
            {
                md.AppendLine(c, $"- {(t.Passed ? "✅" : "❌")} {t.Scenario}: `{t.Expression}` (was {t.Actual:0.####})");
            }

            md.AppendLine();
        }

        if (run.Warnings.Count > 0)
        {
            md.AppendLine("## Generator warnings");
            md.AppendLine();
            foreach (var w in run.Warnings)
            {
                md.AppendLine(c, $"- {w}");
            }

            md.AppendLine();
        }

        md.AppendLine("## Run");
        md.AppendLine();
        var f = run.Fingerprint;
        md.AppendLine(c, $"- machine: {f.Machine}, {f.Cores} cores, {f.Os}");
        md.AppendLine(c, $"- .NET {f.Dotnet}, GC {f.Gc}, commit {f.Commit}");
        md.AppendLine(c, $"- target: {f.Target}");
        md.AppendLine(c, $"- settings: {string.Join(", ", run.Settings.Where(kv => kv.Value.Length > 0).Select(kv => $"{kv.Key}={kv.Value}"))}");
        return md.ToString();

        void Row(string name, StatsBlock st) =>
            md.AppendLine(c, $"| {name} | {st.Count} | {st.Ok} | {st.Fail} | {st.Dropped} | {st.Unfinished} | {st.OkRps:0.##} | {Seconds(st.Latency.Mean)} | {Seconds(st.Latency.P50)} | {Seconds(st.Latency.P90)} | {Seconds(st.Latency.P99)} | {Seconds(st.Latency.Max)} | {Codes(st.StatusCodes)} | {Codes(st.Errors)} |");
    }

    /// <summary>"520 ms → 1.90 s": p99 at the knee and at the next step, whose requests may all have outlasted it.</summary>
    public static string KneeClimb(KneeResult knee)
    {
        var next = knee.Steps.SkipWhile(s => s.Users != knee.Users).Skip(1).FirstOrDefault();
        return knee.P99AfterKnee > 0 || next is null
            ? $"{Seconds(knee.P99AtKnee)} → {Seconds(knee.P99AfterKnee)}"
            : string.Create(CultureInfo.InvariantCulture, $"{Seconds(knee.P99AtKnee)}, then no answer within the {next.Users:0}-user step");
    }

    /// <summary>"Drain (after the load, not in req/s's window): sync 4.1 s, 12 requests; async 0.5 s, 50 requests", or null when no scenario drained.</summary>
    public static string? DrainLine(RunResult run)
    {
        var drained = run.Scenarios.Where(s => s.DrainSeconds > 0).ToList();
        return drained.Count == 0
            ? null
            : "Drain (requests still in flight after the load ended; counted, but req/s is over the load window): "
                + string.Join("; ", drained.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name} {s.DrainSeconds:0.0} s, {s.DrainCount} requests")));
    }

    public static string Csv(RunResult run)
    {
        var c = CultureInfo.InvariantCulture;
        var csv = new StringBuilder();
        csv.AppendLine("scenario,step,interval_start_s,duration_s,load_level,count,ok,fail,dropped,late,unfinished,rps,ok_rps,mean_ms,p50_ms,p75_ms,p90_ms,p95_ms,p99_ms,p999_ms,max_ms,lag_p99_ms,bytes,status_codes,errors");
        foreach (var s in run.Scenarios)
        {
            foreach (var i in s.Intervals)
            {
                Row(s.Name, "", i.Start.ToString(c), i.Duration, i.LoadLevel, i.Stats);
            }

            Row(s.Name, "", "total", s.End - s.Start - s.DrainSeconds, double.NaN, s.Stats);
            foreach (var step in s.Steps)
            {
                foreach (var i in step.Intervals)
                {
                    Row(s.Name, step.Name, i.Start.ToString(c), i.Duration, i.LoadLevel, i.Stats);
                }

                Row(s.Name, step.Name, "total", s.End - s.Start - s.DrainSeconds, double.NaN, step.Stats);
            }
        }

        return csv.ToString();

        void Row(string name, string step, string start, double duration, double load, StatsBlock st) =>
            csv.AppendLine(string.Create(c,
                $"{Quote(name)},{Quote(step)},{start},{duration:0.###},{(double.IsNaN(load) ? "" : load.ToString("0.###", c))},{st.Count},{st.Ok},{st.Fail},{st.Dropped},{st.Late},{st.Unfinished},{st.Rps:0.###},{st.OkRps:0.###},{st.Latency.Mean:0.###},{st.Latency.P50:0.###},{st.Latency.P75:0.###},{st.Latency.P90:0.###},{st.Latency.P95:0.###},{st.Latency.P99:0.###},{st.Latency.P999:0.###},{st.Latency.Max:0.###},{st.ScheduleLag?.P99 ?? 0:0.###},{st.Bytes},{Quote(Codes(st.StatusCodes))},{Quote(Codes(st.Errors))}"));
    }

    /// <summary>A latency as people read it: <c>850 ms</c>, <c>1.25 s</c>.</summary>
    public static string Seconds(double ms) => ms >= 1000
        ? (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s"
        : ms.ToString(ms >= 10 ? "0" : "0.0", CultureInfo.InvariantCulture) + " ms";

    /// <summary>The headline when the application gave no analysis: each scenario's throughput, p99 and what became of the requests that did not end ok.</summary>
    public static string DefaultHeadline(RunResult run) => run.Scenarios.Count == 0
        ? "Nothing was measured."
        : string.Join("; ", run.Scenarios.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name}: {s.Stats.OkRps:0.#} req/s ok, p99 {Seconds(s.Stats.Latency.P99)}, {NotOk(s.Stats)}")));

    /// <summary>
    /// What became of the planned requests that did not end ok, each called what it was, as shares
    /// of everything planned: <c>0.2 % failed, 49.4 % not sent: in-flight cap, 3 unfinished after ≥ 14.80 s</c>.
    /// An arrival dropped at the cap never reached the server: calling it failed would blame the server.
    /// </summary>
    public static string NotOk(StatsBlock st)
    {
        var c = CultureInfo.InvariantCulture;
        var planned = Math.Max(1, st.Count + st.Dropped + st.Unfinished);
        var text = string.Create(c, $"{(double)st.Fail / planned:P1} failed");
        if (st.Dropped > 0)
        {
            text += string.Create(c, $", {(double)st.Dropped / planned:P1} not sent: in-flight cap");
        }

        if (st.Unfinished > 0)
        {
            text += string.Create(c, $", {st.Unfinished} unfinished after ≥ {Seconds(st.UnfinishedElapsed?.Min ?? 0)}");
        }

        return text;
    }

    private static string Codes(Dictionary<string, long> counts) =>
        counts.Count == 0 ? "" : string.Join(" ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{kv.Value}"));

    /// <summary>Open model: arrivals not sent, with their share and the cap that stopped them, e.g. "612 (61%, cap 400)".</summary>
    public static string OpenDropped(ModeSummary mode) => mode.Dropped == 0
        ? "0"
        : string.Create(CultureInfo.InvariantCulture, $"{mode.Dropped} ({mode.NotSentRate * 100:0.#}%{(mode.MaxInFlight is { } cap ? string.Create(CultureInfo.InvariantCulture, $", cap {cap}") : "")})");

    private static string Opt(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "–";

    private static string Quote(string value) => value.Contains(',') || value.Contains('"') ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
