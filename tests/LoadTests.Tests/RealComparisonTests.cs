using System.Text.Json;
using Harness.Load;
using Harness.LoadTests.Cli;
using Xunit.Abstractions;

namespace LoadTests.Tests;

/// <summary>
/// <c>compare</c> on real runs of the smoke profile against the embedded services: back-to-back runs
/// of the same code must not be flagged, and a downstream 30% slower must be.
/// </summary>
[Collection(EngineTiming.Name)]
public sealed class RealComparisonTests(ITestOutputHelper log) : IDisposable
{
    // The smoke profile's 4 s hold leaves one or two blocks, too few to flag anything: 8 s at
    // half-second intervals leaves enough. Its 100 ms downstream calls make a few milliseconds of CPU
    // taken by other processes on a shared machine a 5–8% change between runs (real, and flagged).
    // Two calls of 1 s each (not the smoke profile's 4 of 100 ms, nor 4 of 500 ms) halve the CPU a
    // request costs and make the machine's noise a smaller share of its time, while a 30% slower
    // downstream is still 300 ms a call.
    private static readonly string[] Smoke = ["--profile", "smoke", "--scenario", "async,dedicated", "--hold", "8s", "--interval", "500ms", "--plain"];

    private readonly string _output = Path.Combine(Path.GetTempPath(), "harness-real-comparison-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    [Fact]
    public async Task Compare_BackToBackSmokeRunsOfTheSameServices_AreNotFlagged_ThreeTimesOver()
    {
        var runs = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            runs.Add(await Run($"run-{i}", "--delay-ms", "1000", "--n", "2"));
        }

        for (int i = 1; i < runs.Count; i++)
        {
            var code = await Compare(runs[i - 1], runs[i], $"cmp-{i}");

            Assert.True(code == ExitCodes.Ok, $"runs {i - 1} and {i} of the same services were flagged:\n{File.ReadAllText(Path.Combine(_output, $"cmp-{i}", "comparison.md"))}");
        }
    }

    [Fact]
    public async Task Compare_SmokeRunWithAThirtyPercentSlowerDownstream_IsARegression_AndExitsFour()
    {
        var baseline = await Run("baseline", "--delay-ms", "1000", "--n", "2");
        var slower = await Run("slower", "--delay-ms", "1300", "--n", "2");

        var code = await Compare(baseline, slower, "cmp");

        Assert.Equal(ExitCodes.Regression, code);
        var comparison = JsonSerializer.Deserialize<RunComparison>(File.ReadAllText(Path.Combine(_output, "cmp", "comparison.json")), ReportWriter.Json)!;
        Assert.Contains(comparison.Deltas, d => d.Scenario == "async" && d.Metric == "p50 ms" && d.Verdict == "regression");
        Assert.DoesNotContain(comparison.Deltas, d => d.Verdict == "improvement" && d.Metric != "fail rate");
    }

    private async Task<string> Run(string name, params string[] options)
    {
        var printed = new StringWriter();
        var folder = Path.Combine(_output, name);
        var code = await LoadTestsApp.RunAsync([.. Smoke, .. options, "--output", folder], TestConsole.Writing(printed));

        Assert.True(code == ExitCodes.Ok, printed.ToString());
        return Assert.Single(Directory.GetDirectories(folder));
    }

    private async Task<int> Compare(string baseline, string candidate, string name)
    {
        var code = await LoadTestsApp.RunAsync(["compare", baseline, candidate, "--output", Path.Combine(_output, name)], TestConsole.Quiet());
        log.WriteLine(File.ReadAllText(Path.Combine(_output, name, "comparison.md")));
        return code;
    }
}
