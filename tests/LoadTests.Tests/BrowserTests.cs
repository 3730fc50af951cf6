using System.Diagnostics;
using System.Text.RegularExpressions;
using Harness.Load;

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
    public async Task Comparison_RendersOffline()
    {
        var run = ReportTests.Fixture("compare-results.json");
        var page = Path.Combine(_output, "comparison.html");
        await File.WriteAllTextAsync(page, HtmlReport.RenderComparison(RunComparison.Compare(run, run, "a", "b"), run, run));

        var (dom, log) = await ChromiumAsync("--dump-dom", page);

        Assert.True(ChartCount().Match(dom) is { Success: true } m && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) == 3 * run.Scenarios.Count, $"comparison charts missing. Browser log:{Environment.NewLine}{log}");
    }

    private static string Chromium()
    {
        var configured = Environment.GetEnvironmentVariable("HARNESS_CHROMIUM");
        foreach (var candidate in new[] { configured, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Chromium is needed for the report's browser check: apt-get install chromium (or set HARNESS_CHROMIUM to a Chrome/Chromium binary).");
    }

    private async Task<(string Stdout, string Stderr)> ChromiumAsync(string action, string page, params string[] extra)
    {
        var start = new ProcessStartInfo(Chromium())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", $"--user-data-dir={Path.Combine(_output, "profile")}",
                     // No network at all: every host resolves to nothing and any proxy is a closed port.
                     "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--no-first-run", "--enable-logging=stderr", "--v=0",
                     "--virtual-time-budget=5000", .. extra, action, new Uri(page).AbsoluteUri])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("Chromium did not finish within 60 s.");
        }

        return (await stdout, await stderr);
    }

    [GeneratedRegex("data-charts=\"(\\d+)\"")]
    private static partial Regex ChartCount();
}
