using System.Text.RegularExpressions;
using Harness.Hosting;
using Harness.Load;
using Harness.LoadTests.Cli;
using Harness.Testing;
using Spectre.Console;

namespace LoadTests.Tests;

/// <summary>Scenario files with steps, checks and feeds, run by the command line against a real echo Kestrel.</summary>
[Collection(EngineTiming.Name)]
public sealed partial class HttpScenarioFileTests : IAsyncLifetime, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "harness-http-" + Guid.NewGuid().ToString("N"));
    private readonly StringWriter _console = new();
    private EchoServer _echo = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _echo = await EchoServer.StartAsync();
    }

    public async Task DisposeAsync() => await _echo.DisposeAsync();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Printed => _console.ToString();

    private string Output => Path.Combine(_folder, "reports");

    /// <summary>Requests the scenarios sent (the preflight's GET of / and the scrapes of /metrics left out).</summary>
    private EchoServer.Received[] Sent => [.. _echo.Requests.Where(r => r.Target is not ("/" or "/metrics"))];

    private Task<int> RunAsync(string configPath, Uri? target = null)
    {
        var console = TestConsole.Writing(_console, width: 200);
        return LoadTestsApp.RunAsync(["--config", configPath, "--target", (target ?? _echo.BaseAddress).ToString(), "--output", Output, "--plain"], console, CancellationToken.None, null);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private RunResult OnlyResult() => ReportWriter.Read(Assert.Single(Directory.GetDirectories(Output)));

    private void WriteIds(int count) => Write("ids.csv", "id\n" + string.Join("\n", Enumerable.Range(1, count).Select(i => $"o-{i}")) + "\n");

    [Fact]
    public async Task TheDocumentedExample_RunsAsWritten_FourTimesPerIdWithItsHeadersAndBody()
    {
        var root = ServiceBinary.FindRepositoryRoot() ?? throw new InvalidOperationException("Run from the repository's build output.");
        var example = Assert.Single(JsoncBlock().Matches(File.ReadAllText(Path.Combine(root, "docs", "load-engine.md"))).Select(m => m.Groups["code"].Value), c => c.Contains("\"name\": \"orders\"", StringComparison.Ordinal));
        WriteIds(10);

        // The feed file is relative: found next to the scenario file, whatever the working folder.
        var code = await RunAsync(Write("orders.jsonc", example));

        Assert.True(code == ExitCodes.Ok, Printed);
        var orders = OnlyResult().Scenarios.Single(s => s.Name == "orders");
        Assert.Equal(40, orders.Stats.Ok);
        var sent = Sent;
        Assert.Equal(40, sent.Length);
        Assert.All(sent.GroupBy(r => r.Target), g => Assert.Equal(4, g.Count()));
        Assert.Equal(10, sent.Select(r => r.Target).Distinct().Count());
        Assert.All(sent, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("Bearer t0k3n", r.Headers["Authorization"]);
            Assert.Equal("application/json", r.Headers["Content-Type"]);
            Assert.Equal($"{{\"id\":\"{r.Target["/orders/".Length..]}\"}}", r.BodyText);
        });
    }

    [Fact]
    public async Task TheSameScenario_InCSharpAndInAFile_GivesIdenticalCounts()
    {
        Write("rows.csv", "id,status\n" + string.Join("\n", Enumerable.Range(1, 10).Select(i => $"o-{i},{(i % 3 == 0 ? 200 : 201)}")) + "\n");
        var config = Write("mixed.json", """
            { "scenarios": [ { "name": "mixed", "feed": { "file": "rows.csv", "strategy": "circular" },
                "steps": [ { "name": "create", "method": "POST", "path": "/orders/{{id}}",
                             "headers": { "X-Echo-Status": "{{status}}" }, "body": { "id": "{{id}}" },
                             "checks": [ { "name": "created", "status": 201 }, { "name": "echo-id", "jsonPath": "$.id", "equals": "{{id}}" } ] } ],
                "load": [ { "simulation": "iterations-for-constant", "copies": 4, "iterations": 40 } ] } ] }
            """);

        Assert.Equal(ExitCodes.Ok, await RunAsync(config));
        var fromFile = OnlyResult().Scenarios.Single().Stats;
        var fileTargets = Sent.GroupBy(r => r.Target).ToDictionary(g => g.Key, g => g.Count());
        _echo.Requests.Clear();

        using var target = new HttpTarget(_echo.BaseAddress, TimeSpan.FromSeconds(10));
        var create = Http.Post("/orders/{{id}}").WithHeader("X-Echo-Status", "{{status}}").WithJsonBody("{\"id\":\"{{id}}\"}")
            .WithChecks(Check.Status("created", 201), Check.JsonPath("echo-id", "$.id").EqualTo("{{id}}"));
        var inCode = await HarnessRunner.RegisterScenarios(
                HttpScenario.Create("mixed", target, DataFeed.FromCsv(Path.Combine(_folder, "rows.csv"), FeedStrategy.Circular), Http.Step("create", create))
                    .WithoutWarmUp().WithLoadSimulations(Simulation.IterationsForConstant(4, 40)))
            .WithoutReports()
            .RunAsync();
        var fromCode = inCode.Scenarios.Single().Stats;

        Assert.Equal(40, fromFile.Count);
        Assert.Equal(12, fromFile.Errors["check:created"]);
        Assert.Equal((fromFile.Count, fromFile.Ok, fromFile.Fail), (fromCode.Count, fromCode.Ok, fromCode.Fail));
        Assert.Equal(fromFile.Errors.OrderBy(e => e.Key), fromCode.Errors.OrderBy(e => e.Key));
        Assert.Equal(fromFile.StatusCodes.OrderBy(e => e.Key), fromCode.StatusCodes.OrderBy(e => e.Key));
        Assert.Equal(fileTargets.OrderBy(e => e.Key), Sent.GroupBy(r => r.Target).ToDictionary(g => g.Key, g => g.Count()).OrderBy(e => e.Key));
    }

    [Fact]
    public async Task AFileThresholdOnACheck_FailsTheRunWithExitOne()
    {
        WriteIds(3);
        var config = Write("threshold.json", """
            { "scenarios": [ { "name": "t", "feed": { "file": "ids.csv" },
                "steps": [ { "method": "GET", "path": "/x/{{id}}", "checks": [ { "name": "never", "bodyContains": "no such text" } ] } ],
                "thresholds": [ "check:never < 1%" ],
                "load": [ { "simulation": "iterations-for-constant", "copies": 1, "iterations": 3 } ] } ] }
            """);

        Assert.Equal(ExitCodes.ThresholdsFailed, await RunAsync(config));
        Assert.Equal(3, OnlyResult().Scenarios.Single().Stats.Errors["check:never"]);
    }

    [Theory]
    [InlineData("""{ "file": "missing.csv" }""", """{ "name": "create", "path": "/o/{{id}}" }""", "scenarios[0] (orders).feed: feed file")]
    [InlineData("""{ "file": "ids.csv", "strategy": "shuffled" }""", """{ "name": "create", "path": "/o/{{id}}" }""", "scenarios[0] (orders).feed: unknown strategy 'shuffled'")]
    [InlineData("""{ "file": "ids.csv" }""", """{ "name": "create", "path": "/o", "checks": [ { "name": "id", "jsonPath": "id", "equals": "1" } ] }""", "scenarios[0] (orders).steps[0] (create).checks[0] (id): JSON path 'id'")]
    [InlineData("""{ "file": "ids.csv" }""", """{ "name": "create", "path": "/o/{{user}}" }""", "scenarios[0] (orders).steps[0] (create): path reads '{{user}}'")]
    [InlineData("""{ "file": "ids.csv" }""", """{ "name": "create", "path": "/o", "bodi": "x" }""", "$.scenarios[0].steps[0].bodi")]
    [InlineData("""{ "file": "ids.csv" }""", """{ "name": "create", "path": "/o", "checks": [ { "name": "c", "status": 201, "jsonPath": "$.a" } ] }""", "scenarios[0] (orders).steps[0] (create).checks[0] (c): give exactly one")]
    public async Task BadHttpScenarioFile_ExitsTwo_BeforeAnyRequest_NamingScenarioStepAndField(string feed, string step, string expected)
    {
        WriteIds(2);
        var config = Write("bad.json", $$"""
            { "scenarios": [ { "name": "orders", "feed": {{feed}}, "steps": [ {{step}} ],
                "load": [ { "simulation": "iterations-for-constant", "copies": 1, "iterations": 1 } ] } ] }
            """);

        var code = await RunAsync(config);

        Assert.Equal(ExitCodes.BadConfiguration, code);
        Assert.Contains(expected, Printed, StringComparison.Ordinal);
        Assert.Empty(_echo.Requests);
    }

    [Fact]
    public async Task PathAlone_StillRunsAsOneGet()
    {
        var config = Write("plain.json", """
            { "scenarios": [ { "name": "plain", "path": "/plain?a=1", "load": [ { "simulation": "iterations-for-constant", "copies": 1, "iterations": 3 } ] } ] }
            """);

        Assert.Equal(ExitCodes.Ok, await RunAsync(config));
        Assert.Equal(3, Sent.Length);
        Assert.All(Sent, r => Assert.Equal(("GET", "/plain?a=1"), (r.Method, r.Target)));
    }

    [Fact]
    public async Task Http2Steps_AgainstAnH2cOnlyService_PassThePreflightAndReachItOverHttp2()
    {
        await using var h2c = await EchoServer.StartAsync(http2Only: true);
        var config = Write("h2c.json", """
            { "scenarios": [ { "name": "h2c",
                "steps": [ { "name": "create", "method": "POST", "path": "/orders/7", "http": "2", "body": { "id": "7" },
                             "checks": [ { "name": "echo-id", "jsonPath": "$.id", "equals": "7" } ] } ],
                "load": [ { "simulation": "iterations-for-constant", "copies": 2, "iterations": 6 } ] } ] }
            """);

        var code = await RunAsync(config, h2c.BaseAddress);

        Assert.True(code == ExitCodes.Ok, Printed);
        Assert.Contains(h2c.Requests, r => r is { Target: "/", Protocol: "HTTP/2" });
        var sent = h2c.Requests.Where(r => r.Target == "/orders/7").ToList();
        Assert.Equal(6, sent.Count);
        Assert.All(sent, r => Assert.Equal("HTTP/2", r.Protocol));
        Assert.Equal(6, OnlyResult().Scenarios.Single().Stats.Ok);
    }

    [Fact]
    public async Task Http2Steps_AgainstAnHttp11OnlyService_FailThePreflightBeforeAnyStep()
    {
        var config = Write("h2c-wrong.json", """
            { "scenarios": [ { "name": "h2c", "steps": [ { "name": "read", "path": "/orders/7", "http": "2" } ],
                "load": [ { "simulation": "iterations-for-constant", "copies": 1, "iterations": 3 } ] } ] }
            """);

        var code = await RunAsync(config);

        Assert.Equal(ExitCodes.TargetUnavailable, code);
        var printed = string.Join(' ', Printed.Split((char[])[' ', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"Nothing answers at {_echo.BaseAddress}", printed, StringComparison.Ordinal);
        Assert.Contains("asked with HTTP/2 prior knowledge (h2c), as the scenarios' steps say", printed, StringComparison.Ordinal);
        Assert.Empty(Sent);
    }

    [GeneratedRegex("```jsonc\\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsoncBlock();
}
