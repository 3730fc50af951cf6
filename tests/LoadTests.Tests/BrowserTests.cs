using System.Text.RegularExpressions;
using Harness.Load;
using Harness.Testing;

namespace LoadTests.Tests;

/// <summary>
/// The HTML report in a real browser (headless Chromium, <c>apt-get install chromium</c>) with
/// every network request refused: the charts must render from the file alone, without a script
/// error, and a screenshot is taken.
/// </summary>
public sealed partial class BrowserTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "harness-browser-" + Guid.NewGuid().ToString("N"));

    public BrowserTests() => Directory.CreateDirectory(_output);

    public void Dispose() => Directory.Delete(_output, recursive: true);

    public static TheoryData<string, int> Reports => new()
    {
        { "compare-results.json", 8 },
        { "starvation-results.json", 10 },
    };

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task Report_RendersItsChartsOffline_WithoutScriptErrors(string fixture, int minimumCharts)
    {
        var page = Path.Combine(_output, "index.html");
        await File.WriteAllTextAsync(page, HtmlReport.Render(ReportTests.Fixture(fixture)));

        var (dom, log) = await ChromiumAsync("--dump-dom", page);
        var screenshot = Path.Combine(_output, "report.png");
        await ChromiumAsync($"--screenshot={screenshot}", page, "--window-size=1200,3000");

        var charts = ChartCount().Match(dom);
        Assert.True(charts.Success, $"report.js did not finish (a script error?). Browser log:{Environment.NewLine}{log}");
        Assert.True(int.Parse(charts.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= minimumCharts, $"only {charts.Groups[1].Value} charts drawn");
        Assert.True(Regex.Matches(dom, "class=\"hc-line\"").Count >= minimumCharts, "chart lines exist");
        Assert.DoesNotContain("Uncaught", log, StringComparison.Ordinal);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.True(png.Length > 20_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a real screenshot was taken");
    }

    [Fact]
    public async Task Report_ShadesEachScenariosDrain_OnEveryTimeChart()
    {
        var run = ReportTests.Fixture("starvation-results.json");
        foreach (var interval in run.Scenarios.SelectMany(s => s.Intervals.TakeLast(2)))
        {
            (interval.Drain, interval.LoadLevel) = (true, 0);
        }

        var page = Path.Combine(_output, "index.html");
        await File.WriteAllTextAsync(page, HtmlReport.Render(run));

        var (dom, log) = await ChromiumAsync("--dump-dom", page);
        await ChromiumAsync($"--screenshot={Path.Combine(_output, "drain.png")}", page, "--window-size=1200,1400");

        Assert.True(ChartCount().IsMatch(dom), $"report.js did not finish (a script error?). Browser log:{Environment.NewLine}{log}");

        // Requests/s, latency, failures, five server charts and the generator's: each shades every scenario's drain.
        var bands = Regex.Matches(dom, "<rect [^>]*class=\"hc-band drain\"").Count;
        Assert.True(bands >= 3 * run.Scenarios.Count, $"{bands} drain bands for {run.Scenarios.Count} scenarios");
        Assert.All(run.Scenarios, s => Assert.Contains($"<title>drain {s.Name}</title>", dom, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Comparison_RendersOffline()
    {
        var run = ReportTests.Fixture("compare-results.json");
        var page = Path.Combine(_output, "comparison.html");
        await File.WriteAllTextAsync(page, HtmlReport.RenderComparison(RunComparison.Compare(run, run, "a", "b"), run, run));

        var (dom, log) = await ChromiumAsync("--dump-dom", page);

        Assert.True(ChartCount().Match(dom) is { Success: true } m && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) == 3 * run.Scenarios.Count, $"comparison charts missing. Browser log:{Environment.NewLine}{log}");
    }

    [Fact]
    public async Task Report_DrawsOneWaterfallPerTracedMode_WithoutScriptErrors()
    {
        var run = ReportTests.Fixture("traced-results.json");
        var page = Path.Combine(_output, "index.html");
        await File.WriteAllTextAsync(page, HtmlReport.Render(run));

        var (dom, log) = await ChromiumAsync("--dump-dom", page);

        Assert.True(ChartCount().IsMatch(dom), $"report.js did not finish (a script error?). Browser log:{Environment.NewLine}{log}");
        Assert.DoesNotContain("Uncaught", log, StringComparison.Ordinal);
        Assert.Equal(run.Scenarios.Count, Regex.Matches(dom, "<figure class=\"waterfall\"").Count);
        Assert.Equal(run.Scenarios.Sum(s => s.Trace!.Spans.Count), Regex.Matches(dom, "class=\"span-bar kind-").Count);
        Assert.Contains("One request per mode", dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerCharts_BreakTheirLine_AtAMissedSample()
    {
        var run = ReportTests.Fixture("starvation-results.json");
        run.Servers =
        [
            new ServerSeries
            {
                Name = "target",
                Samples = [.. Enumerable.Range(0, 11).Select(t => t == 5
                    ? new ServerSample { T = t, Gap = "the previous scrape was still unanswered" }
                    : new ServerSample { T = t, Up = true, PoolThreads = 10 + t, QueueLength = 0, Cpu = 0.5, WorkingSetBytes = 1e8, InFlightRequests = 1 })],
            },
        ];
        var page = Path.Combine(_output, "index.html");
        await File.WriteAllTextAsync(page, HtmlReport.Render(run));

        var (dom, log) = await ChromiumAsync("--dump-dom", page);

        var line = Regex.Match(dom, "aria-label=\"Thread-pool threads\".*?<path d=\"([^\"]*)\" class=\"hc-line\"", RegexOptions.Singleline);
        Assert.True(line.Success, $"no thread-pool chart drawn. Browser log:{Environment.NewLine}{log}");
        Assert.Equal(2, line.Groups[1].Value.Count(c => c == 'M')); // one stroke before the gap, one after
    }

    private Task<(string Stdout, string Stderr)> ChromiumAsync(string action, string page, params string[] extra) =>
        Chromium.RunAsync(Path.Combine(_output, "profile"), action, page, extra);

    [GeneratedRegex("data-charts=\"(\\d+)\"")]
    private static partial Regex ChartCount();
}
