using System.Text.RegularExpressions;
using Harness.Hosting;
using Harness.Testing;

namespace Harness.Load.Samples.Tests;

/// <summary>The console sample run as a user runs it, as a process against a started TargetApp.</summary>
[Collection(LoadRuns.Name)]
public sealed partial class ConsoleSampleTests : IAsyncLifetime
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), "harness-console-sample-" + Guid.NewGuid().ToString("N"));
    private ServiceProcess _targetApp = null!;

    public async Task InitializeAsync() => _targetApp = await Children.StartTargetAppAsync("target");

    public async Task DisposeAsync()
    {
        await _targetApp.DisposeAsync();
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }

    [Fact]
    public async Task ConsoleSample_AgainstTargetApp_ExitsZero_PrintsEachStep_AndWritesTheReport()
    {
        var (code, stdout, stderr) = await Tools.RunAsync("dotnet", null, SampleAssembly(), _targetApp.BaseAddress.ToString(), _reports);

        Assert.True(code == 0, $"exit {code}{Environment.NewLine}{stdout}{Environment.NewLine}{stderr}");
        var single = StepLine().Match(stdout);
        Assert.True(single.Success, stdout);
        Assert.Matches(@"(?m)^fan-out: \d+ ok, 0 failed", stdout);
        Assert.Matches(@"(?m)^visit: \d+ ok", stdout);
        var folder = Assert.Single(Directory.GetDirectories(_reports));
        foreach (var file in (string[])["index.html", "summary.md", "stats.csv", "results.json"])
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), $"{file} was written");
        }

        Assert.Contains("| visit / fan-out |", await File.ReadAllTextAsync(Path.Combine(folder, "summary.md")), StringComparison.Ordinal);
    }

    /// <summary>The console sample's build output, in the configuration this test was built in.</summary>
    private static string SampleAssembly()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var root = ServiceBinary.FindRepositoryRoot() ?? throw new InvalidOperationException("Run from the repository's build output.");
        var path = Path.Combine(root, "samples", "Harness.Load.Samples.Console", "bin", configuration, "net10.0", "Harness.Load.Samples.Console.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the samples first (dotnet build Harness.sln); looked for {path}.");
    }

    [GeneratedRegex(@"(?m)^single: (?<ok>\d+) ok, 0 failed, p50 [\d.]+ ms, p99 [\d.]+ ms")]
    private static partial Regex StepLine();
}
