using Harness.Hosting;
using Harness.Load;
using Harness.LoadTests.Cli;
using Spectre.Console;

namespace LoadTests.Tests;

/// <summary>
/// <c>--dashboard</c> on the embedded stack: the Aspire dashboard from the package receives every
/// service's traces, the engine marks its first measured requests as sampled, and the report
/// draws one of them per mode.
/// </summary>
[Collection(EngineTiming.Name)]
public sealed class DashboardRunTests : IDisposable
{
    // The async calls last 400 ms: "every call starts before any ends" then holds however slowly a
    // busy machine starts the five, while a target making them one after another still fails it.
    private const string Scenarios = """
        {
          "scenarios": [
            { "name": "async", "path": "/api/aggregated/?n=5&delay_ms=400", "warmUp": "1s",
              "load": [ { "simulation": "keep-constant", "copies": 2, "during": "2s" } ] },
            { "name": "sync", "path": "/api/aggregated_sync/?n=5&delay_ms=100", "warmUp": "1s",
              "load": [ { "simulation": "keep-constant", "copies": 1, "during": "2s" } ] }
          ]
        }
        """;

    private readonly string _output = Path.Combine(Path.GetTempPath(), "harness-dashboard-run-" + Guid.NewGuid().ToString("N"));

    public DashboardRunTests() => Directory.CreateDirectory(_output);

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public async Task DashboardRun_RecordsTheMarkedTraces_AndDrawsAsyncCallsOverlappingAndSyncCallsInSequence()
    {
        var (code, printed) = await RunAsync("--dashboard");

        Assert.True(code == ExitCodes.Ok, printed);
        Assert.Matches(@"Aspire dashboard: http://127\.0\.0\.1:\d+/", printed);
        Assert.DoesNotContain("Press Ctrl+C", printed, StringComparison.Ordinal);
        var directory = Assert.Single(Directory.GetDirectories(_output));
        var run = ReportWriter.Read(directory);
        foreach (var scenario in run.Scenarios)
        {
            Assert.Equal(3, scenario.TraceIds.Count);
            Assert.All(scenario.TraceIds, id => Assert.Matches("^[0-9a-f]{32}$", id));
            Assert.True(scenario.Trace is not null, $"{scenario.Name}: no trace read back. Output:{Environment.NewLine}{printed}");
            Assert.Contains(scenario.Trace.TraceId, scenario.TraceIds);

            // gateway → target → downstream: the gateway's server span is the root, the target's server span under its client span.
            var spans = scenario.Trace.Spans;
            var root = Assert.Single(spans, s => spans.All(p => p.SpanId != s.ParentSpanId));
            Assert.Equal(("gateway", "server"), (root.Service, root.Kind));
            var targetServer = Assert.Single(spans, s => s.Service.StartsWith("target-", StringComparison.Ordinal) && s.Kind == "server");
            Assert.Equal("gateway", spans.Single(s => s.SpanId == targetServer.ParentSpanId).Service);
            Assert.Equal(5, spans.Count(s => s.Service == "downstream" && s.Kind == "server"));
        }

        var asyncCalls = DownstreamCalls(run, "async");
        Assert.True(asyncCalls.Max(c => c.StartMs) < asyncCalls.Min(c => c.EndMs), "async: every downstream call starts before any ends: " + Describe(asyncCalls));
        var syncCalls = DownstreamCalls(run, "sync");
        Assert.All(syncCalls.Zip(syncCalls.Skip(1)), pair => Assert.True(pair.Second.StartMs >= pair.First.EndMs, "sync: each call starts after the previous ends: " + Describe(syncCalls)));

        var html = await File.ReadAllTextAsync(Path.Combine(directory, "index.html"));
        Assert.Contains("<figure class=\"waterfall\" data-scenario=\"async\">", html, StringComparison.Ordinal);
        Assert.Contains("<figure class=\"waterfall\" data-scenario=\"sync\">", html, StringComparison.Ordinal);
        Assert.Equal(2 * 5, CountOf(html, "data-kind=\"client\" data-service=\"target-"));

        // render redraws the waterfall from results.json alone.
        File.Delete(Path.Combine(directory, "index.html"));
        Assert.Equal(ExitCodes.Ok, await LoadTestsApp.RunAsync(["render", directory], TestConsole.Quiet()));
        Assert.Contains("data-scenario=\"async\"", await File.ReadAllTextAsync(Path.Combine(directory, "index.html")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashboardRun_WithoutAPackage_SaysSo_AndRunsWithoutIt()
    {
        var previous = Environment.GetEnvironmentVariable(AspireDashboard.PathVariable);
        Environment.SetEnvironmentVariable(AspireDashboard.PathVariable, Path.Combine(_output, "no-such-dashboard"));
        try
        {
            var (code, printed) = await RunAsync("--dashboard");

            Assert.True(code == ExitCodes.Ok, printed);
            Assert.Contains("Aspire dashboard not started", printed, StringComparison.Ordinal);
            Assert.Contains("The run goes on without it.", printed, StringComparison.Ordinal);
            var directory = Assert.Single(Directory.GetDirectories(_output));
            var run = ReportWriter.Read(directory);
            Assert.All(run.Scenarios, s => Assert.Null(s.Trace));
            var html = await File.ReadAllTextAsync(Path.Combine(directory, "index.html"));
            Assert.Contains("id=\"traces-missing\"", html, StringComparison.Ordinal);
            Assert.Contains("<code>--dashboard</code>", html, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(AspireDashboard.PathVariable, previous);
        }
    }

    private async Task<(int Code, string Printed)> RunAsync(params string[] extra)
    {
        var config = _output + ".json";
        await File.WriteAllTextAsync(config, Scenarios);
        try
        {
            var printed = new StringWriter();
            var code = await LoadTestsApp.RunAsync(["--config", config, "--output", _output, "--plain", .. extra], TestConsole.Writing(printed));
            return (code, printed.ToString());
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static List<TraceSpan> DownstreamCalls(RunResult run, string scenario) =>
        [.. run.Scenarios.Single(s => s.Name == scenario).Trace!.Spans
            .Where(s => s.Service.StartsWith("target-", StringComparison.Ordinal) && s.Kind == "client")
            .OrderBy(s => s.StartMs)];

    private static string Describe(IEnumerable<TraceSpan> calls) =>
        string.Join(", ", calls.Select(c => FormattableString.Invariant($"{c.StartMs:0.#}–{c.EndMs:0.#} ms")));

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
