using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Harness.LoadTests.Reporting;

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

    public static void WriteAll(RunResult run, string directory)
    {
        Directory.CreateDirectory(directory);
        run.Analysis ??= Analyzer.Analyze(run);
        WriteAtomically(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(run, Json));
        WriteAtomically(Path.Combine(directory, "summary.md"), Markdown(run));
        WriteAtomically(Path.Combine(directory, "stats.csv"), Csv(run));
        WriteAtomically(Path.Combine(directory, "index.html"), HtmlReport.Render(run));
    }

    public static RunResult Read(string directoryOrFile)
    {
        var path = Directory.Exists(directoryOrFile) ? Path.Combine(directoryOrFile, "results.json") : directoryOrFile;
        if (!File.Exists(path))
        {
            throw new Engine.ConfigurationException($"'{path}' does not exist: give a run's report folder (reports/<time>-<suite>) or its results.json.");
        }

        try
        {
            return JsonSerializer.Deserialize<RunResult>(File.ReadAllText(path), Json)
                ?? throw new Engine.ConfigurationException($"'{path}' holds no run.");
        }
        catch (JsonException ex)
        {
            throw new Engine.ConfigurationException($"'{path}' is not a Harness results.json: {ex.Message}");
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
        if (run.Analysis is { Headline.Length: > 0 } analysis)
        {
            md.AppendLine(c, $"**{analysis.Headline}**");
            md.AppendLine();
        }

        md.AppendLine("| scenario | requests | ok | failed | dropped | req/s (ok) | mean | p50 | p90 | p99 | max | status codes | errors |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var s in run.Scenarios)
        {
            var st = s.Stats;
            md.AppendLine(c, $"| {s.Name} | {st.Count} | {st.Ok} | {st.Fail} | {st.Dropped} | {st.OkRps:0.##} | {Analyzer.Seconds(st.Latency.Mean)} | {Analyzer.Seconds(st.Latency.P50)} | {Analyzer.Seconds(st.Latency.P90)} | {Analyzer.Seconds(st.Latency.P99)} | {Analyzer.Seconds(st.Latency.Max)} | {Codes(st.StatusCodes)} | {Codes(st.Errors)} |");
        }

        md.AppendLine();
        if (run.Analysis?.Modes.Count > 0)
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
            md.AppendLine("| mode | knee (users) | req/s at knee | steps (users: req/s, p99) |");
            md.AppendLine("|---|---:|---:|---|");
            foreach (var k in run.Analysis.Knees)
            {
                md.AppendLine(c, $"| {k.Mode} | {(k.Users is { } u ? u.ToString("0", c) : "none in range")} | {k.RpsAtKnee:0.#} | {string.Join("; ", k.Steps.Select(p => string.Create(c, $"{p.Users:0}: {p.OkRps:0.#}, {Analyzer.Seconds(p.P99)}")))} |");
            }

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
    }

    public static string Csv(RunResult run)
    {
        var c = CultureInfo.InvariantCulture;
        var csv = new StringBuilder();
        csv.AppendLine("scenario,interval_start_s,duration_s,load_level,count,ok,fail,dropped,late,unfinished,rps,ok_rps,mean_ms,p50_ms,p75_ms,p90_ms,p95_ms,p99_ms,p999_ms,max_ms,lag_p99_ms,bytes,status_codes,errors");
        foreach (var s in run.Scenarios)
        {
            foreach (var i in s.Intervals)
            {
                Row(s.Name, i.Start.ToString(c), i.Duration, i.LoadLevel, i.Stats);
            }

            Row(s.Name, "total", s.End - s.Start, double.NaN, s.Stats);
        }

        return csv.ToString();

        void Row(string name, string start, double duration, double load, StatsBlock st) =>
            csv.AppendLine(string.Create(c,
                $"{Quote(name)},{start},{duration:0.###},{(double.IsNaN(load) ? "" : load.ToString("0.###", c))},{st.Count},{st.Ok},{st.Fail},{st.Dropped},{st.Late},{st.Unfinished},{st.Rps:0.###},{st.OkRps:0.###},{st.Latency.Mean:0.###},{st.Latency.P50:0.###},{st.Latency.P75:0.###},{st.Latency.P90:0.###},{st.Latency.P95:0.###},{st.Latency.P99:0.###},{st.Latency.P999:0.###},{st.Latency.Max:0.###},{st.ScheduleLag?.P99 ?? 0:0.###},{st.Bytes},{Quote(Codes(st.StatusCodes))},{Quote(Codes(st.Errors))}"));
    }

    private static string Codes(Dictionary<string, long> counts) =>
        counts.Count == 0 ? "" : string.Join(" ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{kv.Value}"));

    private static string Opt(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "–";

    private static string Quote(string value) => value.Contains(',') || value.Contains('"') ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
