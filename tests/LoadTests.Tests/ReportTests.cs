using System.Text.RegularExpressions;
using Harness.LoadTests.Analysis;
using Harness.LoadTests.Cli;
using Harness.Load;
using Spectre.Console;

namespace LoadTests.Tests;

/// <summary>Reports rendered from recorded results.json files of real runs (Fixtures/).</summary>
public sealed partial class ReportTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "harness-report-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    internal static RunResult Fixture(string name) => ReportWriter.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    [Fact]
    public void HtmlReport_DrawsEachTracedRequest_AsAWaterfallFromTheRequestsStart()
    {
        var run = Fixture("traced-results.json");

        var html = HtmlReport.Render(run);

        var async = run.Scenarios.Single(s => s.Name == "async").Trace!;
        Assert.Equal(0, async.Spans.Min(s => s.StartMs));
        Assert.Contains($"data-scenario=\"async\"><figcaption><strong>async</strong>", html, StringComparison.Ordinal);
        Assert.Contains($"trace <code>{async.TraceId}</code>", html, StringComparison.Ordinal);

        // The root starts the track at 0 and fills it; every other bar stays inside it.
        Assert.Contains("style=\"left:0%;width:100%\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"traces-missing\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link ", html, StringComparison.Ordinal);
    }

    [Fact]
    public void HtmlReport_WithoutTraces_SaysHowToGetThem()
    {
        var html = HtmlReport.Render(Fixture("compare-results.json"));

        Assert.Contains("id=\"traces-missing\"", html, StringComparison.Ordinal);
        Assert.Contains("<code>--dashboard</code>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<figure class=\"waterfall\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void HtmlReport_IsSelfContained_AndCarriesTheSummary()
    {
        var run = Fixture("compare-results.json");
        run.Analysis = Analyzer.Analyze(run);

        var html = HtmlReport.Render(run);

        Assert.DoesNotMatch(ExternalReference(), html);
        Assert.Contains("HarnessCharts", html, StringComparison.Ordinal);
        Assert.Contains("async: ", html, StringComparison.Ordinal);
        Assert.Contains("<th>async</th>", html, StringComparison.Ordinal);
        Assert.Contains("<th>sync</th>", html, StringComparison.Ordinal);
        Assert.Contains(run.Fingerprint.Commit, html, StringComparison.Ordinal);
        Assert.Contains("Generator health", html, StringComparison.Ordinal);
        Assert.True(html.Length < 200_000, $"a short run's page should be small ({html.Length} bytes)");
    }

    [Fact]
    public void HtmlReport_ShowsTheKnees_ForTheStarvationSuite()
    {
        var run = Fixture("starvation-results.json");
        run.Analysis = Analyzer.Analyze(run);

        var html = HtmlReport.Render(run);

        Assert.Contains("Knees:", html, StringComparison.Ordinal);
        Assert.Contains("\"knees\":[{\"mode\":\"async\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_SayHowLongEachScenarioDrained_AndPassTheDrainToTheCharts()
    {
        var run = Fixture("starvation-results.json");
        var sync = run.Scenarios.Single(s => s.Name == "sync");
        var last = sync.Intervals[^1];
        (last.Drain, last.LoadLevel, sync.DrainSeconds, sync.DrainCount) = (true, 0, last.Duration, last.Stats.Count);

        var html = HtmlReport.Render(run);
        var markdown = ReportWriter.Markdown(run);

        var line = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"sync {last.Duration:0.0} s, {last.Stats.Count} requests");
        Assert.Contains(line, html, StringComparison.Ordinal);
        Assert.Contains(line, markdown, StringComparison.Ordinal);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\"drain\":[{last.Start},{Math.Round(last.Start + last.Duration, 3)}]"), html, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(html, "\"drain\":\\["));
    }

    [Fact]
    public void MarkdownAndCsv_CarryTheSameNumbers()
    {
        var run = Fixture("compare-results.json");
        var async = run.Scenarios.Single(s => s.Name == "async");

        var markdown = ReportWriter.Markdown(run);
        var csv = ReportWriter.Csv(run);

        Assert.Contains($"| async | {async.Stats.Count} | {async.Stats.Ok} |", markdown, StringComparison.Ordinal);
        Assert.Contains(ReportWriter.Seconds(async.Stats.Latency.P99), markdown, StringComparison.Ordinal);
        var total = csv.Split('\n').Single(l => l.StartsWith("async,,total,", StringComparison.Ordinal));
        Assert.Contains($",{async.Stats.Count},{async.Stats.Ok},", total, StringComparison.Ordinal);
        Assert.Equal(run.Scenarios.Sum(s => s.Intervals.Count + 1) + 1, csv.TrimEnd().Split('\n').Length);
    }

    [Fact]
    public void LongRun_StaysSmallEnoughToMail()
    {
        // Ten minutes of six scenarios at one-second intervals, built from a real run's intervals.
        var run = Fixture("compare-results.json");
        var template = run.Scenarios[0];
        run.Scenarios = [.. Enumerable.Range(0, 6).Select(i => new ScenarioResult
        {
            Name = "mode" + i,
            Stats = template.Stats,
            Spectrum = template.Spectrum,
            Intervals = [.. Enumerable.Range(0, 600).Select(t => new IntervalResult { Start = t, Duration = 1, LoadLevel = 50, Stats = template.Intervals[t % template.Intervals.Count].Stats, Histogram = template.Intervals[0].Histogram })],
        })];
        run.Servers = [.. run.Servers.Select(s => new ServerSeries { Name = s.Name, Samples = [.. Enumerable.Range(0, 3600).Select(t => new ServerSample { T = t, Up = true, PoolThreads = 10, Cpu = 0.5, WorkingSetBytes = 1e8 })] })];

        var html = HtmlReport.Render(run);

        Assert.True(html.Length < 3_000_000, $"{html.Length / 1e6:0.0} MB for 10 minutes");
    }

    [Fact]
    public async Task Compare_SameRunTwice_FindsNothing_AndExitsZero()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "compare-results.json");

        var code = await LoadTestsApp.RunAsync(["compare", directory, directory, "--output", _output], TestConsole.Quiet());

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("No regression", File.ReadAllText(Path.Combine(_output, "comparison.md")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_output, "index.html")));
    }

    [Fact]
    public async Task Compare_MissingFolder_ExitsTwo()
    {
        var code = await LoadTestsApp.RunAsync(["compare", "/nonexistent/run", "/nonexistent/other"], TestConsole.Quiet());

        Assert.Equal(ExitCodes.BadConfiguration, code);
    }

    [GeneratedRegex(@"(src|href)\s*=\s*[""']?(https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
