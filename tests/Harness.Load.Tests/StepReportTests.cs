using System.Text.Json;
using System.Text.RegularExpressions;
using Harness.Testing;

namespace Harness.Load.Tests;

/// <summary>A real two-step run written by the runner: a row per step in summary.md, stats.csv, results.json and the HTML report in a real browser.</summary>
[Collection(EngineTiming.Name)]
public sealed partial class StepReportTests : IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "harness-steps-" + Guid.NewGuid().ToString("N"));
    private LocalServer _server = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        _server = await LocalServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task EveryReport_HasARowPerStep_UnderItsScenario()
    {
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        var scenario = Scenario.Create("browse", async ctx =>
        {
            var home = await Step.Run("home", ctx, async () =>
            {
                using var response = await http.GetAsync("/ok", ctx.CancellationToken);
                return response.IsSuccessStatusCode ? Response.Ok(statusCode: 200) : Response.Fail(statusCode: (int)response.StatusCode);
            });
            await Step.Run("think", ctx, async () =>
            {
                await Task.Delay(5, ctx.CancellationToken);
                return Response.Ok();
            });
            return home;
        })
        .WithWarmUpDuration(TimeSpan.FromSeconds(0.5))
        .WithLoadSimulations(Simulation.Inject(rate: 40, interval: TimeSpan.FromSeconds(1), during: TimeSpan.FromSeconds(3)));

        var result = await HarnessRunner.RegisterScenarios(scenario).WithReportFolder(_work).WithTestName("steps").RunAsync();

        Assert.NotNull(result.ReportFolder);
        Assert.StartsWith(_work, result.ReportFolder, StringComparison.Ordinal);
        var browse = result.ScenarioStats.Get("browse");
        Assert.Equal(120, browse.Ok.Request.Count);
        Assert.Equal(120, browse.StepStats.Get("home").Ok.Request.Count);

        var markdown = await File.ReadAllTextAsync(Path.Combine(result.ReportFolder, "summary.md"));
        Assert.Contains("| browse | 120 | 120 | 0 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| browse / home | 120 | 120 | 0 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| browse / think | 120 | 120 | 0 |", markdown, StringComparison.Ordinal);

        var csv = (await File.ReadAllLinesAsync(Path.Combine(result.ReportFolder, "stats.csv"))).ToList();
        Assert.StartsWith("scenario,step,interval_start_s,", csv[0], StringComparison.Ordinal);
        Assert.Contains(csv, l => l.StartsWith("browse,,total,", StringComparison.Ordinal) && l.Contains(",120,120,0,", StringComparison.Ordinal));
        Assert.Contains(csv, l => l.StartsWith("browse,home,total,", StringComparison.Ordinal) && l.Contains(",120,120,0,", StringComparison.Ordinal));
        Assert.Contains(csv, l => l.StartsWith("browse,think,total,", StringComparison.Ordinal));
        Assert.True(csv.Count(l => l.StartsWith("browse,home,", StringComparison.Ordinal) && !l.Contains(",total,", StringComparison.Ordinal)) >= 3, "a row per interval for the step");

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(result.ReportFolder, "results.json")));
        var steps = json.RootElement.GetProperty("scenarios")[0].GetProperty("steps");
        Assert.Equal(["home", "think"], steps.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(120, steps[0].GetProperty("stats").GetProperty("ok").GetInt64());
        Assert.True(steps[0].GetProperty("intervals").GetArrayLength() >= 3);
        var read = ReportWriter.Read(result.ReportFolder);
        Assert.Equal(120, read.ScenarioStats.Get("browse").StepStats.Get("think").Ok.Request.Count);

        // The HTML report in a real browser, offline: the step rows and the steps' charts.
        var page = Path.Combine(result.ReportFolder, "index.html");
        var (dom, log) = await Chromium.RunAsync(Path.Combine(_work, "profile"), "--dump-dom", page);
        var charts = ChartCount().Match(dom);
        Assert.True(charts.Success, $"report.js did not finish (a script error?). Browser log:{Environment.NewLine}{log}");
        Assert.Contains("data-step=\"browse/home\"", dom, StringComparison.Ordinal);
        Assert.Contains("data-step=\"browse/think\"", dom, StringComparison.Ordinal);
        Assert.Contains("Step latency by percentile", dom, StringComparison.Ordinal);
        Assert.Contains("browse / home", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("Uncaught", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnwritableReportFolder_IsRefusedBeforeAnyLoad()
    {
        var scenario = Scenario.Create("never", _ => Task.FromResult<IResponse>(Response.Ok()))
            .WithLoadSimulations(Simulation.IterationsForConstant(1, 1));
        var folder = await UnwritableFolderAsync(_work);
        var ran = false;

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => HarnessRunner.RegisterScenarios(scenario.WithInit(_ => { ran = true; return Task.CompletedTask; })).WithReportFolder(folder).RunAsync());

        Assert.Contains("cannot be written", error.Message, StringComparison.Ordinal);
        Assert.False(ran, "nothing started");
    }

    /// <summary>A folder this process cannot create: a read-only folder's child, or (as root, whom permissions do not stop) one under /sys.</summary>
    internal static async Task<string> UnwritableFolderAsync(string work)
    {
        if (!OperatingSystem.IsWindows() && Environment.UserName != "root")
        {
            var readOnly = Path.Combine(work, "read-only");
            Directory.CreateDirectory(readOnly);
            File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            return Path.Combine(readOnly, "reports");
        }

        await Task.CompletedTask;
        return "/sys/harness-reports-" + Guid.NewGuid().ToString("N");
    }

    [GeneratedRegex("data-charts=\"(\\d+)\"")]
    private static partial Regex ChartCount();
}
