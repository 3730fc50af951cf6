using Harness.LoadTests.Cli;
using Harness.Load;
using Spectre.Console;

namespace LoadTests.Tests;

/// <summary>The README's main command, on the smoke profile: it starts its own services, runs, stops them, and reports.</summary>
[Collection(EngineTiming.Name)]
public sealed class EmbeddedRunTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "harness-embedded-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    /// <summary>This process's children running a Harness service, from /proc.</summary>
    private static List<int> ChildServices()
    {
        var own = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var children = new List<int>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline"));
                if (fields[1] == own && (commandLine.Contains("TargetApp.dll", StringComparison.Ordinal) || commandLine.Contains("Gateway.dll", StringComparison.Ordinal)))
                {
                    children.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return children;
    }

    [Fact]
    public async Task EmbeddedCompare_StartsItsOwnStack_AndShowsAsyncFarAheadOfSync()
    {
        var printed = new StringWriter();
        var console = TestConsole.Writing(printed);

        var code = await LoadTestsApp.RunAsync(["--profile", "smoke", "--scenario", "async,sync", "--output", _output, "--plain"], console);

        Assert.True(code == ExitCodes.Ok, printed.ToString());
        var directory = Assert.Single(Directory.GetDirectories(_output));
        var run = ReportWriter.Read(directory);
        Assert.True(run.Completed, run.StopReason);
        var async = run.Scenarios.Single(s => s.Name == "async").Stats;
        var sync = run.Scenarios.Single(s => s.Name == "sync").Stats;
        Assert.Equal(0, async.Fail + sync.Fail);

        // Smoke: 4 downstream calls of 100 ms. Async makes them side by side (about 100 ms), sync one
        // after another (about 400 ms): 300 ms that a busy machine adds to neither side. A ratio of
        // throughputs shrinks when the machine is busy (both wait on the same CPU); the gap in the
        // typical latency does not, and sync making its calls side by side would close it.
        Assert.True(
            sync.Latency.P50 - async.Latency.P50 >= 200,
            $"sync p50 {sync.Latency.P50} ms should be about 300 ms above async's {async.Latency.P50} ms (4 calls of 100 ms in sequence, not side by side)");
        Assert.True(async.OkRps > sync.OkRps, $"async {async.OkRps} req/s should be ahead of sync {sync.OkRps} req/s at the same 8 users");

        // The servers were sampled on the same timeline: every service, with its thread pool.
        Assert.Equal(["downstream", "gateway", "target-1", "target-2"], run.Servers.Select(s => s.Name).Order());
        Assert.All(run.Servers, s => Assert.Contains(s.Samples, p => p.Up && p.PoolThreads > 0 && p.WorkingSetBytes > 0));
        Assert.StartsWith("async: ", run.Analysis!.Headline, StringComparison.Ordinal);
        Assert.Contains("sync ", run.Analysis.Headline, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(directory, "logs", "gateway.log")));

        // Every child process it started was stopped.
        Assert.Empty(ChildServices());
        Assert.Contains("Report:", printed.ToString(), StringComparison.Ordinal);
    }
}
