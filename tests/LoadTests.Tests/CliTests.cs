using System.Text.Json;
using Harness.LoadTests.Cli;
using Harness.Load;
using Harness.Testing;
using Spectre.Console;

namespace LoadTests.Tests;

/// <summary>The command line as a user meets it: exit codes, errors that say what to change, reports written whatever happens.</summary>
[Collection(EngineTiming.Name)]
public sealed class CliTests : IAsyncLifetime, IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "harness-cli-" + Guid.NewGuid().ToString("N"));
    private readonly StringWriter _console = new();
    private LocalServer _server = null!;

    public async Task InitializeAsync() => _server = await LocalServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    private string Printed => _console.ToString();

    private Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default, IRunObserver? observer = null) =>
        RunWithOutputAsync(_output, args, cancellationToken, observer);

    private Task<int> RunWithOutputAsync(string output, string[] args, CancellationToken cancellationToken = default, IRunObserver? observer = null)
    {
        var console = TestConsole.Writing(_console, width: 200);
        return LoadTestsApp.RunAsync([.. args, "--output", output, "--plain"], console, cancellationToken, observer);
    }

    private string Config(string json)
    {
        Directory.CreateDirectory(_output);
        var path = Path.Combine(_output, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    private string OneScenario(string load, string thresholds = "[]") => Config($$"""
        { "scenarios": [ { "name": "local", "path": "/ok", "load": [ {{load}} ] } ], "thresholds": {{thresholds}} }
        """);

    private RunResult OnlyResult()
    {
        var run = Assert.Single(Directory.GetDirectories(_output));
        foreach (var file in (string[])["results.json", "summary.md", "stats.csv", "index.html"])
        {
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} was not written");
        }

        return ReportWriter.Read(run);
    }

    [Fact]
    public async Task ThresholdsThatHold_ExitZero_AndOnesThatFail_ExitOne()
    {
        var load = """{ "simulation": "inject", "rate": 50, "during": "1s" }""";

        var held = await RunAsync(["--config", OneScenario(load, """["fail_rate < 1%", "p99 < 5s", "count >= 50"]"""), "--target", _server.BaseAddress.ToString()]);
        Assert.Equal(ExitCodes.Ok, held);

        var failed = await RunAsync(["--config", OneScenario(load), "--target", _server.BaseAddress.ToString(), "--threshold", "p50 < 0.001ms"]);
        Assert.Equal(ExitCodes.ThresholdsFailed, failed);
        Assert.Contains("threshold failed: local: p50 < 0.001ms", Printed, StringComparison.Ordinal);
        var results = Directory.GetDirectories(_output).Select(ReportWriter.Read).ToList();
        Assert.Contains(results, r => r.Thresholds.Count == 3 && r.Thresholds.All(t => t.Passed));
        Assert.Contains(results, r => r.Thresholds.Any(t => !t.Passed && t.Expression == "p50 < 0.001ms"));
    }

    [Fact]
    public async Task ASegmentFromTheScenarioFile_WithAStartTime_WaitsForIt_AndItsResultsSaySegmentAndRun()
    {
        var config = Config("""{ "segment": "2/3", "scenarios": [ { "name": "local", "path": "/ok", "load": [ { "simulation": "iterations-for-inject", "rate": 100, "iterations": 30 } ] } ] }""");

        // A start time 2 s ahead: a busy machine can take longer than that to reach the check,
        // and the run then refuses at once (exit 2, nothing sent). Only then is it taken again, with more lead.
        var startAt = StartAt.Ahead(TimeSpan.FromSeconds(2));
        var code = await RunAsync(["--config", config, "--target", _server.BaseAddress.ToString(), "--start-at", startAt, "--run-id", "nightly-7"]);
        if (StartAt.HadPassed(code, Printed))
        {
            Assert.Equal(0, _server.Count);
            startAt = StartAt.Ahead(TimeSpan.FromSeconds(10));
            code = await RunAsync(["--config", config, "--target", _server.BaseAddress.ToString(), "--start-at", startAt, "--run-id", "nightly-7"]);
        }

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains($"segment 2/3 of run nightly-7: waiting until {startAt}", Printed, StringComparison.Ordinal);
        var result = OnlyResult();
        Assert.Equal(new Segment(2, 3), result.Segment);
        Assert.Equal("nightly-7", result.RunId);
        Assert.Equal(10, result.Scenarios.Single().Stats.Ok);
        Assert.True(result.StartedAt >= DateTimeOffset.Parse(startAt, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("--start-at", "2020-01-01T00:00:00Z", "has passed")]
    [InlineData("--start-at", "tomorrow", "not an ISO 8601 time")]
    [InlineData("--segment", "4/3", "not a segment")]
    public async Task ABadSegmentOrAStartTimeInThePast_ExitsTwo_BeforeAnyLoad(string option, string value, string message)
    {
        var code = await RunAsync(["--config", OneScenario("""{ "simulation": "inject", "rate": 50, "during": "1s" }"""), "--target", _server.BaseAddress.ToString(), option, value]);

        Assert.Equal(ExitCodes.BadConfiguration, code);
        Assert.Contains(message, Printed, StringComparison.Ordinal);
        Assert.Equal(0, _server.Count);
    }

    [Fact]
    public async Task AbortOnThreshold_StopsTheRunEarly_AndStillWritesIt()
    {
        var started = DateTimeOffset.UtcNow;

        var code = await RunAsync(["--config", OneScenario("""{ "simulation": "inject", "rate": 100, "during": "30s" }"""), "--target", _server.BaseAddress.ToString(), "--threshold", "max < 0.001ms", "--abort-on-threshold"]);

        Assert.Equal(ExitCodes.ThresholdsFailed, code);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(15), "the run stopped at the first failing interval, not after 30 s");
        var result = OnlyResult();
        Assert.False(result.Completed);
        Assert.StartsWith("threshold failed during the run", result.StopReason, StringComparison.Ordinal);
        Assert.True(result.Scenarios.Single().Stats.Count > 0);
    }

    [Fact]
    public async Task KeepConstantUntil_FromAScenarioFile_HoldsItsStepUntilEachUserHasItsAnswers()
    {
        // 2 users on a 300 ms endpoint: 1 s alone would give each about 3 answers; the step holds
        // on to 6 each (about 1.8 s), far short of its 20 s cap.
        var config = Config("""
            { "scenarios": [ { "name": "adaptive", "path": "/slow?ms=300",
                "load": [ { "simulation": "keep-constant-until", "copies": 2, "during": "1s", "requests": 6, "max": "20s" } ] } ] }
            """);

        var code = await RunAsync(["--config", config, "--target", _server.BaseAddress.ToString()]);

        Assert.Equal(ExitCodes.Ok, code);
        var scenario = OnlyResult().Scenarios.Single();
        Assert.True(scenario.Stats.Count >= 12, $"each of the 2 users should have had 6 answers: {scenario.Stats.Count} in all");
        Assert.True(scenario.End - scenario.Start < 15, $"the step should end once it has its answers, not at its cap: {scenario.End - scenario.Start:0.0} s");
        Assert.Contains("until 6 requests each (at most 20s)", Printed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "simulation": "inject", "rate": -5, "during": "1s" }""", "rate > 0")]
    [InlineData("""{ "simulation": "inject", "rate": 5, "during": "soon" }""", "is not a duration")]
    [InlineData("""{ "simulation": "keep-constant", "during": "1s" }""", "needs \"copies\"")]
    [InlineData("""{ "simulation": "warp-speed", "during": "1s" }""", "unknown simulation 'warp-speed'")]
    [InlineData("""{ "simulation": "keep-constant-until", "copies": 2, "during": "1s", "max": "5s" }""", "needs \"requests\"")]
    [InlineData("""{ "simulation": "keep-constant-until", "copies": 2, "during": "1s", "requests": 3 }""", "needs \"max\"")]
    [InlineData("""{ "simulation": "keep-constant-until", "copies": 2, "during": "5s", "requests": 3, "max": "1s" }""", "needs max ≥ during")]
    public async Task BadLoadInTheScenarioFile_ExitsTwo_NamingTheProblem(string load, string expected)
    {
        var code = await RunAsync(["--config", OneScenario(load), "--target", _server.BaseAddress.ToString()]);

        Assert.Equal(ExitCodes.BadConfiguration, code);
        Assert.Contains(expected, Printed, StringComparison.Ordinal);
        Assert.Contains("scenarios[0].load[0]", Printed, StringComparison.Ordinal);
        Assert.Contains("described in docs/load-engine.md#your-own-scenarios", Printed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--scenario", "async,warp" }, "Unknown scenario 'warp'. This suite has: async, sync, sync_over_async")]
    [InlineData(new[] { "--suite", "everything" }, "Unknown suite 'everything'")]
    [InlineData(new[] { "--profile", "huge" }, "Unknown profile 'huge'")]
    [InlineData(new[] { "--users", "0" }, "users: must be at least 1")]
    [InlineData(new[] { "--threshold", "p99 < fast" }, "Threshold 'p99 < fast' is not understood")]
    [InlineData(new[] { "--threshold", "p42 < 1s" }, "unknown metric 'p42'")]
    [InlineData(new[] { "--target", "localhost:8080" }, "is not an http(s) URL")]
    [InlineData(new[] { "--no-such-option" }, "Unrecognized command or argument '--no-such-option'")]
    [InlineData(new[] { "--threshold", "nosuch: p99 < 1s", "--target", "http://127.0.0.1:1" }, null)]
    public async Task BadCommandLine_ExitsTwo_WithAMessage(string[] args, string? expected)
    {
        var code = await RunAsync(args);

        if (expected is null)
        {
            // A threshold for a scenario the run does not have is caught after the target check.
            Assert.Contains(code, (int[])[ExitCodes.BadConfiguration, ExitCodes.TargetUnavailable]);
            return;
        }

        Assert.Equal(ExitCodes.BadConfiguration, code);
        Assert.Contains(expected, Printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedOrMistypedScenarioFile_ExitsTwo()
    {
        var code = await RunAsync(["--config", Config("""{ "scenarios": [ { "name": "x", "pth": "/ok" } ] }""")]);

        Assert.Equal(ExitCodes.BadConfiguration, code);
        Assert.Contains("pth", Printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnwritableOutputFolder_ExitsTwo_BeforeAnyLoad_SayingWhichFolder()
    {
        var config = OneScenario("""{ "simulation": "inject", "rate": 50, "during": "2s" }""");
        var output = OperatingSystem.IsWindows() || Environment.UserName == "root"
            ? "/sys/harness-reports-" + Guid.NewGuid().ToString("N")
            : ReadOnlyChild();

        var code = await RunWithOutputAsync(output, ["--config", config, "--target", _server.BaseAddress.ToString()]);

        Assert.Equal(ExitCodes.BadConfiguration, code);
        Assert.Contains("--output: The report folder", Printed, StringComparison.Ordinal);
        Assert.Contains("cannot be written", Printed, StringComparison.Ordinal);
        Assert.Equal(0, _server.Count);

        string ReadOnlyChild()
        {
            var readOnly = Path.Combine(_output, "read-only");
            Directory.CreateDirectory(readOnly);
            File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            return Path.Combine(readOnly, "reports");
        }
    }

    [Fact]
    public async Task UnreachableTarget_FailsFast_SayingWhatToStart()
    {
        var started = DateTimeOffset.UtcNow;

        var code = await RunAsync(["--target", "http://127.0.0.1:1", "--profile", "smoke"]);

        Assert.Equal(ExitCodes.TargetUnavailable, code);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Contains("Nothing answers at http://127.0.0.1:1/ (refused", Printed, StringComparison.Ordinal);
        Assert.Contains("docker compose up -d", Printed, StringComparison.Ordinal);
        Assert.Contains("run without --target", Printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InterruptedRun_WritesWhatItMeasured()
    {
        using var interrupt = new CancellationTokenSource();
        var observer = new OnFirstCount(interrupt.Cancel);

        var code = await RunAsync(["--config", OneScenario("""{ "simulation": "keep-constant", "copies": 4, "during": "60s" }"""), "--target", _server.BaseAddress.ToString()], interrupt.Token, observer);

        Assert.Equal(ExitCodes.Interrupted, code);
        var result = OnlyResult();
        Assert.False(result.Completed);
        Assert.Equal("interrupted", result.StopReason);
        Assert.True(result.Scenarios.Single().Stats.Ok > 0, "what was measured before the interrupt is in the report");
        Assert.True(result.FinishedAt - result.StartedAt < TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task OverloadedOpenModel_SaysItsArrivalsWereNotSent_NotThatTheyFailed()
    {
        var config = Config("""{ "scenarios": [ { "name": "capped", "path": "/slow?ms=300", "maxInFlight": 5, "load": [ { "simulation": "inject", "rate": 100, "during": "1s" } ] } ] }""");

        var code = await RunAsync(["--config", config, "--target", _server.BaseAddress.ToString()]);

        Assert.Equal(ExitCodes.Ok, code);
        var stats = OnlyResult().Scenarios.Single().Stats;
        Assert.Equal(0, stats.Fail);
        Assert.InRange(stats.Dropped, 50, 95);
        var share = ((double)stats.Dropped / (stats.Count + stats.Dropped)).ToString("P1", System.Globalization.CultureInfo.InvariantCulture);

        // The headline (console and summary.md) and the line under the table name what happened; nothing claims a failure.
        Assert.Contains($"0.0 % failed, {share} not sent: in-flight cap", Printed, StringComparison.Ordinal);
        Assert.Contains($"{share} not sent: in-flight cap", File.ReadAllText(Path.Combine(Directory.GetDirectories(_output).Single(), "summary.md")), StringComparison.Ordinal);
        Assert.DoesNotMatch(@"[1-9][0-9.]* % failed", Printed);
        Assert.Contains($"(0 failed, {stats.Dropped} not sent: in-flight cap)  done", Printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeLimit_EndsLikeCtrlC_NotAfterTheDrainTimeout_AndWritesTheReport()
    {
        var config = Config("""{ "scenarios": [ { "name": "stuck", "path": "/slow?ms=120000", "load": [ { "simulation": "inject", "rate": 20, "during": "60s" } ] } ] }""");
        var started = DateTimeOffset.UtcNow;

        var code = await RunAsync(["--config", config, "--target", _server.BaseAddress.ToString(), "--time-limit", "1s", "--drain-timeout", "60s", "--request-timeout", "120s"]);

        // Ctrl+C gives requests in flight 2 s; the whole drain timeout would be a minute.
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(25), $"took {DateTimeOffset.UtcNow - started}");
        Assert.Equal(ExitCodes.Ok, code);
        var result = OnlyResult();
        Assert.False(result.Completed);
        Assert.Equal("time limit of 1s reached", result.StopReason);

        // Nothing could be answered (120 s requests): every request sent is unfinished, however
        // many a busy machine managed to send in the second, at least each one the server saw.
        var stats = result.Scenarios.Single().Stats;
        Assert.Equal(0, stats.Ok);
        Assert.True(stats.Unfinished >= 5, $"only {stats.Unfinished} unfinished at 20 req/s for 1 s");
        Assert.True(stats.Unfinished >= _server.Count, $"{stats.Unfinished} unfinished, but the server held {_server.Count}");
    }

    [Fact]
    public async Task TargetGoingAwayMidRun_EndsTheRunWithAMessage_AndWritesTheReport()
    {
        var doomed = await LocalServer.StartAsync();
        var stopped = 0;
        var observer = new OnFirstCount(() =>
        {
            if (Interlocked.Exchange(ref stopped, 1) == 0)
            {
                _ = doomed.DisposeAsync().AsTask();
            }
        });

        var code = await RunAsync(["--config", OneScenario("""{ "simulation": "inject", "rate": 50, "during": "60s" }"""), "--target", doomed.BaseAddress.ToString()], default, observer);

        Assert.Equal(ExitCodes.TargetUnavailable, code);
        var result = OnlyResult();
        Assert.StartsWith("target went away", result.StopReason, StringComparison.Ordinal);
        Assert.True(result.Scenarios.Single().Stats.Ok > 0);
        Assert.Contains("target went away", Printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_DocumentsEveryOption_AndPointsAtTheManual()
    {
        var code = await RunAsync(["--help"]);

        Assert.Equal(0, code);
        foreach (var option in (string[])["--config", "--suite", "--profile", "--target", "--threshold", "--output", "--metrics-port", "compare", "render"])
        {
            Assert.Contains(option, Printed, StringComparison.Ordinal);
        }

        Assert.Contains("docs/load-engine.md#your-own-scenarios", Printed, StringComparison.Ordinal);
        Assert.Contains("docs/load-engine.md#reports", Printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValueOfTheWrongType_IsNamedInTheUsersWords()
    {
        var code = await RunAsync(["--users", "many"]);

        Assert.Equal(ExitCodes.BadConfiguration, code);
        Assert.Contains("--users: 'many' is not a whole number.", Printed, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", Printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownOption_SaysSo_AndWhereToReadOn()
    {
        var code = await RunAsync(["--userz", "5"]);

        Assert.Equal(ExitCodes.BadConfiguration, code);
        Assert.Contains("--userz", Printed, StringComparison.Ordinal);
        Assert.Contains("docs/load-engine.md", Printed, StringComparison.Ordinal);
    }

    /// <summary>Calls back once the run has measured something.</summary>
    private sealed class OnFirstCount(Action action) : IRunObserver
    {
        public void OnTick(RunTick tick)
        {
            if (tick.Scenarios.Any(s => s.TotalCount > 0))
            {
                action();
            }
        }
    }
}
