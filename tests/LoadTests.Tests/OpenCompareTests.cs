using Harness.Load;
using Harness.LoadTests.Analysis;
using Harness.LoadTests.Cli;
using Harness.LoadTests.Suites;

namespace LoadTests.Tests;

/// <summary>
/// compare --model open: every mode gets the same arrivals, so the report shows what a production
/// service would see (async holding its latency, blocking modes building a backlog), not only who
/// answered most.
/// </summary>
[Collection(EngineTiming.Name)]
public sealed class OpenCompareTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "harness-open-" + Guid.NewGuid().ToString("N"));
    private readonly StringWriter _printed = new();

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    private Task<int> RunAsync(params string[] args) =>
        LoadTestsApp.RunAsync([.. args, "--output", _output, "--plain"], TestConsole.Writing(_printed, width: 250));

    [Fact]
    public void OpenCompare_GivesEveryModeTheSameArrivals_RampedThenHeld_UnderAnInFlightCap()
    {
        var plan = RunPlan.Resolve(null, new ScenarioFile { Profile = "smoke", Model = "open", Rate = 25 });
        using var target = new HttpTarget(new Uri("http://127.0.0.1:1/"), TimeSpan.FromSeconds(1));

        var scenarios = Suite.Build(Suite.Compare, plan.Profile, target, null);

        Assert.Equal(Suite.Modes.Select(m => m.Name), scenarios.Select(s => s.Name));
        Assert.All(scenarios, s =>
        {
            Assert.Equal(
                [new LoadSimulation.RampingInject(25, TimeSpan.FromSeconds(1), plan.Profile.Ramp), new LoadSimulation.Inject(25, TimeSpan.FromSeconds(1), plan.Profile.Hold)],
                s.Simulations);
            Assert.Equal(250, s.MaxInFlight);
            Assert.Equal("open", s.Labels["model"]);
            Assert.Equal("25", s.Labels["rate"]);
        });
        Assert.Equal("open", plan.Described["model"]);
        Assert.Equal("25", plan.Described["rate"]);
    }

    [Fact]
    public void WithoutModel_CompareStaysClosed_AndOpenWithoutRate_TakesTheProfilesRate()
    {
        using var target = new HttpTarget(new Uri("http://127.0.0.1:1/"), TimeSpan.FromSeconds(1));

        var closed = RunPlan.Resolve(null, new ScenarioFile { Profile = "smoke" });
        var open = RunPlan.Resolve(new ScenarioFile { Model = "open" }, new ScenarioFile { Profile = "default" });

        Assert.Equal(LoadModel.Closed, closed.Profile.Model);
        Assert.All(Suite.Build(Suite.Compare, closed.Profile, target, null), s => Assert.All(s.Simulations, sim => Assert.False(sim.IsOpen)));
        Assert.Equal(LoadModel.Open, open.Profile.Model);
        Assert.Equal(Profile.Named("default").Rate, open.Profile.Rate);
        Assert.All(Suite.Build(Suite.Compare, open.Profile, target, null), s => Assert.All(s.Simulations, sim => Assert.True(sim.IsOpen)));
    }

    [Theory]
    [InlineData(new[] { "--rate", "40" }, "rate: --rate is the open model's arrival rate; add --model open")]
    [InlineData(new[] { "--model", "open", "--rate", "0" }, "rate: must be a positive number of requests per second (got 0)")]
    [InlineData(new[] { "--model", "open", "--rate", "-3" }, "rate: must be a positive number of requests per second (got -3)")]
    [InlineData(new[] { "--model", "sideways" }, "Unknown model 'sideways'. Known: closed")]
    [InlineData(new[] { "--model", "open", "--suite", "starvation" }, "model: only the compare suite has an open variant")]
    [InlineData(new[] { "--model", "open", "--users", "10" }, "users: the open model has no users")]
    [InlineData(new[] { "--model", "open", "--rate", "fast" }, "--rate: 'fast' is not a number.")]
    public async Task ABadModelOrRate_ExitsTwo_BeforeAnyLoad_SayingWhatToChange(string[] args, string expected)
    {
        var code = await RunAsync(args);

        Assert.Equal(ExitCodes.BadConfiguration, code);
        Assert.Contains(expected, _printed.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_output) && Directory.EnumerateFileSystemEntries(_output).Any(), "nothing ran");
    }

    [Fact]
    public void OpenHeadline_SaysTheOfferedRate_EachModesP99_AndWhatWasNotSent()
    {
        var run = new RunResult
        {
            Suite = Suite.Compare,
            Scenarios =
            [
                Open("async", new StatsBlock { Count = 1000, Ok = 1000, Latency = new LatencySummary { P50 = 505, P99 = 520 } }),
                Open("sync", new StatsBlock { Count = 370, Ok = 350, Fail = 20, Unfinished = 30, Dropped = 600, Latency = new LatencySummary { P50 = 14_000, P99 = 28_000 } }),
                Open("offload", new StatsBlock { Unfinished = 400, Dropped = 600 }),
            ],
        };

        var analysis = Analyzer.Analyze(run);
        run.Analysis = analysis;

        Assert.Equal(
            "At 40 req/s offered to each mode (latency from each request's intended start): async p99 520 ms, every request answered; "
            + "sync p99 28.00 s, 60% not sent (in-flight cap of 400 reached), 2% failed, 3% unfinished at the end; "
            + "offload: no request answered ok, 60% not sent (in-flight cap of 400 reached), 40% unfinished at the end.",
            analysis.Headline);
        var sync = analysis.Modes.Single(m => m.Mode == "sync");
        Assert.Equal(0.6, sync.NotSentRate);
        Assert.Equal(40, sync.OfferedRps);
        var markdown = ReportWriter.Markdown(run);
        Assert.Contains("| sync | 40 | 0 | 14.00 s | 28.00 s | 600 (60%, cap 400) | 20 | 30 |", markdown, StringComparison.Ordinal);
        Assert.Contains("Open model: the same arrivals for every mode", HtmlReport.Render(run), StringComparison.Ordinal);

        static ScenarioResult Open(string mode, StatsBlock stats) => new()
        {
            Name = mode,
            Model = "open",
            Labels = new() { ["mode"] = mode, ["rate"] = "40", ["max_in_flight"] = "400" },
            Stats = stats,
        };
    }

    [Fact]
    public async Task EmbeddedOpenCompare_AsyncHoldsItsLatencyAtTheRate_WhileSyncFallsBehind()
    {
        var code = await RunAsync("--profile", "smoke", "--model", "open", "--scenario", "async,sync");

        Assert.True(code == ExitCodes.Ok, _printed.ToString());
        var run = ReportWriter.Read(Assert.Single(Directory.GetDirectories(_output)));
        Assert.True(run.Completed, run.StopReason);
        var async = run.Scenarios.Single(s => s.Name == "async");
        var sync = run.Scenarios.Single(s => s.Name == "sync");
        Assert.Equal("open", async.Model);
        Assert.Equal("open", sync.Model);

        // Smoke: 4 calls of 100 ms, at the same arrival rate. Async answers in about one call's time...
        Assert.Equal(0, async.Stats.Fail + async.Stats.Dropped + async.Stats.Unfinished);
        // (p99 under 2 s: a busy machine's pauses reach the tail; sync's backlog grows for the whole run.)
        Assert.True(async.Stats.Latency.P99 < 2_000, $"async p99 {async.Stats.Latency.P99} ms should stay near its 100 ms service time");

        // ...while sync, 400 ms a request on a pool that grows a thread at a time, builds a backlog
        // that its latency (from the intended start) or its dropped arrivals must show.
        var syncLost = sync.Stats.Dropped + sync.Stats.Fail + sync.Stats.Unfinished;
        Assert.True(
            sync.Stats.Latency.P99 > 3 * async.Stats.Latency.P99 || syncLost > 0,
            $"sync p99 {sync.Stats.Latency.P99} ms against async's {async.Stats.Latency.P99} ms, {syncLost} not answered");
        Assert.StartsWith("At 50 req/s offered to each mode", run.Analysis!.Headline, StringComparison.Ordinal);
        Assert.Contains("async p99 ", run.Analysis.Headline, StringComparison.Ordinal);
        Assert.Equal("open", run.Settings["model"]);
    }
}
