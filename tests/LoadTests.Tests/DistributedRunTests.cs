using System.Text.Json.Nodes;
using Harness.Load;
using Harness.LoadTests.Cli;
using Harness.Testing;
using Spectre.Console;

namespace LoadTests.Tests;

/// <summary>
/// One run from three engine processes (<c>--segment 1/3</c> … <c>3/3</c>, one <c>--start-at</c>)
/// against a loopback server that counts arrivals, then <c>merge</c>: the issue's must-show.
/// </summary>
[Collection(EngineTiming.Name)]
public sealed class DistributedRunTests(DistributedRunTests.ThreeGenerators run) : IClassFixture<DistributedRunTests.ThreeGenerators>
{
    [Fact]
    public void ThreeSegmentsAt300PerSecondTotal_ReachTheServerAs3000Requests_SpreadEvenly()
    {
        Assert.All(run.OpenExitCodes, code => Assert.Equal(ExitCodes.Ok, code));
        Assert.InRange(run.OpenArrivals.Count, 2910, 3090);

        // 300/s is 30 per 100 ms. Every 100 ms bucket of the 10 s (the first and last left out,
        // being partial) is counted, empty ones as 0: the three schedules interleaved, so the
        // typical bucket holds about 30. One generator missing or short would put the median near
        // 20; arrivals bunched at each second's start (schedules not spread) would leave most
        // buckets empty. A generator that a busy machine stalls for a moment and that then
        // catches up moves a few buckets, neither the median nor the coverage.
        var perBucket = run.OpenArrivals.GroupBy(t => (int)(t * 10)).ToDictionary(b => b.Key, b => b.Count());
        var buckets = Enumerable.Range(1, 98).Select(k => perBucket.GetValueOrDefault(k)).ToList();
        var covered = buckets.Count(c => c > 0);
        var median = buckets.Order().ElementAt(buckets.Count / 2);
        Assert.True(covered >= 90, $"arrivals covered only {covered} of the 10 s's 98 inner 100 ms buckets");
        Assert.True(median is >= 25 and <= 35, $"the median 100 ms bucket held {median} arrivals, not about the even 30: {string.Join(" ", buckets)}");
    }

    [Fact]
    public async Task Merge_SumsTheCounts_AndItsP99IsThatOfTheThreeHistogramsAdded()
    {
        var (code, merged, folder) = await run.MergeAsync([.. run.OpenSegments]);

        Assert.Equal(ExitCodes.Ok, code);
        var segments = run.OpenSegments.Select(ReportWriter.Read).ToList();
        var scenario = merged.ScenarioStats.Get("local");
        Assert.Equal(segments.Sum(s => s.Scenarios.Single().Stats.Count), scenario.Stats.Count);
        Assert.Equal(run.OpenArrivals.Count, scenario.Stats.Count);
        Assert.Equal(segments.Sum(s => s.Scenarios.Single().Stats.Bytes), scenario.Stats.Bytes);
        Assert.Equal(scenario.Stats.Count, scenario.Intervals.Sum(i => i.Stats.Count));

        var added = HistogramCodec.NewHistogram();
        foreach (var segment in segments)
        {
            added.Add(HistogramCodec.Decode(segment.Scenarios.Single().Histogram));
        }

        Assert.Equal(Math.Round(added.GetValueAtPercentile(99) / 1000.0, 3), scenario.Stats.Latency.P99);
        var intervalsAdded = HistogramCodec.NewHistogram();
        foreach (var interval in scenario.Intervals)
        {
            intervalsAdded.Add(HistogramCodec.Decode(interval.Histogram));
        }

        Assert.Equal(added.TotalCount, intervalsAdded.TotalCount);
        Assert.Equal([1, 2, 3], merged.Generators.Select(g => g.Segment.Index));
        Assert.Equal(run.OpenRunId, merged.RunId);
        Assert.Contains("Generators (3", File.ReadAllText(Path.Combine(folder, "index.html")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AThresholdThatFailsOnTheMergedRun_ExitsOne()
    {
        var (code, merged, _) = await run.MergeAsync([.. run.OpenSegments, "--threshold", "p99 < 0.001ms"]);

        Assert.Equal(ExitCodes.ThresholdsFailed, code);
        Assert.Contains(merged.Thresholds, t => !t.Passed && t.Expression == "p99 < 0.001ms");
    }

    [Fact]
    public async Task Merge_RefusesAMissingSegment_ADuplicate_AndAnotherRunsFolder()
    {
        var missing = await run.MergeExpectingRefusalAsync([run.OpenSegments[0], run.OpenSegments[2]]);
        Assert.Contains("segment 2/3 of run", missing, StringComparison.Ordinal);
        Assert.Contains("is missing", missing, StringComparison.Ordinal);

        var twice = await run.MergeExpectingRefusalAsync([.. run.OpenSegments, run.OpenSegments[1]]);
        Assert.Contains("segment 2/3 is given twice", twice, StringComparison.Ordinal);

        var different = await run.MergeExpectingRefusalAsync([run.OpenSegments[0], run.OpenSegments[1], run.ClosedSegments[2]]);
        Assert.Contains("different runs", different, StringComparison.Ordinal);

        var renamed = run.CopyWith(run.OpenSegments[2], json => json["scenarios"]![0]!["name"] = "elsewhere");
        var scenarios = await run.MergeExpectingRefusalAsync([run.OpenSegments[0], run.OpenSegments[1], renamed]);
        Assert.Contains("the segments ran different scenarios", scenarios, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThreeSegmentsOfATenUserRun_HoldTenUsersInTotal()
    {
        Assert.All(run.ClosedExitCodes, code => Assert.Equal(ExitCodes.Ok, code));
        Assert.Equal(10, run.ClosedMaxInProgress);

        var segments = run.ClosedSegments.Select(ReportWriter.Read).ToList();
        Assert.Equal([4, 3, 3], segments.Select(s => (int)s.Scenarios.Single().Intervals[1].LoadLevel));
        var (code, merged, _) = await run.MergeAsync([.. run.ClosedSegments]);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains(merged.Scenarios.Single().Intervals, i => i.LoadLevel == 10);
        Assert.DoesNotContain(merged.Scenarios.Single().Intervals, i => i.LoadLevel > 10);
    }

    /// <summary>Runs the two distributed runs once (open and closed model), three processes each, all six at once.</summary>
    public sealed class ThreeGenerators : IAsyncLifetime
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "harness-distributed-" + Guid.NewGuid().ToString("N"));
        private int _merges;
        private string _attempt = "";

        public IReadOnlyList<string> OpenSegments { get; private set; } = [];

        public IReadOnlyList<string> ClosedSegments { get; private set; } = [];

        public IReadOnlyList<int> OpenExitCodes { get; private set; } = [];

        public IReadOnlyList<int> ClosedExitCodes { get; private set; } = [];

        public IReadOnlyList<double> OpenArrivals { get; private set; } = [];

        public int ClosedMaxInProgress { get; private set; }

        public string OpenRunId => "open-run";

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(_root);

            // Far enough ahead for six processes to start on a busy two-core machine. One that
            // started later still refuses to run (exit 2, "has passed") before sending anything:
            // then, and only then, the whole run is taken again with more lead.
            await StartAt.WithOneRerunAsync(TryRunAsync, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(25));
        }

        /// <summary>Runs the six generators; false when one of them found the start time past (nothing else).</summary>
        private async Task<bool> TryRunAsync(int attempt, TimeSpan lead)
        {
            _attempt = Path.Combine(_root, "attempt-" + attempt);
            await using var openServer = await LocalServer.StartAsync();
            await using var closedServer = await LocalServer.StartAsync();
            var open = Config("open", """{ "simulation": "inject", "rate": 300, "interval": "1s", "during": "10s" }""", "/ok");

            // 2 s requests: each of the 10 users has one in progress nearly all the time, so the
            // server sees all 10 at once however slowly the generators turn one answer into the next request.
            var closed = Config("closed", """{ "simulation": "keep-constant", "copies": 10, "during": "4s" }""", "/slow?ms=2000");

            var startAt = StartAt.Ahead(lead);
            var runs = Enumerable.Range(1, 3)
                .Select(i => Generator(open, openServer, i, startAt, "open-run", "open"))
                .Concat(Enumerable.Range(1, 3).Select(i => Generator(closed, closedServer, i, startAt, "closed-run", "closed")))
                .ToList();
            var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(3));
            if (results.Any(r => StartAt.HadPassed(r.Code, r.Stdout + r.Stderr)))
            {
                return false;
            }

            Assert.All(results, r => Assert.True(r.Code == 0, $"a generator exited {r.Code}: {r.Stdout} {r.Stderr}"));
            OpenExitCodes = [.. results.Take(3).Select(r => r.Code)];
            ClosedExitCodes = [.. results.Skip(3).Select(r => r.Code)];
            OpenSegments = [.. Enumerable.Range(1, 3).Select(i => ReportFolder("open", i))];
            ClosedSegments = [.. Enumerable.Range(1, 3).Select(i => ReportFolder("closed", i))];
            OpenArrivals = openServer.Arrivals;
            ClosedMaxInProgress = closedServer.MaxInProgress;
            return true;
        }

        public Task DisposeAsync()
        {
            Directory.Delete(_root, recursive: true);
            return Task.CompletedTask;
        }

        public async Task<(int Code, RunResult Merged, string Folder)> MergeAsync(string[] arguments)
        {
            var output = Path.Combine(_root, "merged-" + Interlocked.Increment(ref _merges));
            var (code, printed) = await LoadTestsAsync(["merge", .. arguments, "--output", output]);
            Assert.True(File.Exists(Path.Combine(output, "results.json")), printed);
            return (code, ReportWriter.Read(output), output);
        }

        public async Task<string> MergeExpectingRefusalAsync(string[] arguments)
        {
            var output = Path.Combine(_root, "refused-" + Interlocked.Increment(ref _merges));
            var (code, printed) = await LoadTestsAsync(["merge", .. arguments, "--output", output]);
            Assert.Equal(ExitCodes.BadConfiguration, code);
            Assert.False(Directory.Exists(output), "a refused merge wrote a report");
            return printed;
        }

        public string CopyWith(string folder, Action<JsonNode> change)
        {
            var copy = Path.Combine(_root, "copy-" + Interlocked.Increment(ref _merges));
            Directory.CreateDirectory(copy);
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "results.json")))!;
            change(json);
            File.WriteAllText(Path.Combine(copy, "results.json"), json.ToJsonString());
            return copy;
        }

        private static async Task<(int Code, string Printed)> LoadTestsAsync(string[] arguments)
        {
            var printed = new StringWriter();
            var console = TestConsole.Writing(printed, width: 400);
            var code = await LoadTestsApp.RunAsync(arguments, console);
            return (code, printed.ToString());
        }

        private string Config(string name, string load, string path)
        {
            var file = Path.Combine(_root, name + ".json");
            File.WriteAllText(file, $$"""{ "scenarios": [ { "name": "local", "path": "{{path}}", "load": [ {{load}} ] } ] }""");
            return file;
        }

        private async Task<(int Code, string Stdout, string Stderr)> Generator(string config, LocalServer server, int index, string startAt, string runId, string name)
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "LoadTests.dll");
            return await Tools.RunAsync("dotnet", null, dll, "--config", config, "--target", server.BaseAddress.ToString(), "--segment", $"{index}/3", "--start-at", startAt, "--run-id", runId, "--output", Path.Combine(_attempt, $"{name}-segment-{index}"), "--plain");
        }

        private string ReportFolder(string name, int index) => Assert.Single(Directory.GetDirectories(Path.Combine(_attempt, $"{name}-segment-{index}")));
    }
}
