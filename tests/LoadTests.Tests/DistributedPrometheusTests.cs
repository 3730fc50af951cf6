using System.Globalization;
using Harness.Load;
using Harness.LoadTests.Cli;
using Harness.Testing;

namespace LoadTests.Tests;

/// <summary>
/// Two generators (<c>--segment 1/2</c> and <c>2/2</c>, each with <c>--metrics-port</c>) scraped by
/// a real Prometheus: their <c>harness_load_latency_seconds</c> histograms, added by
/// <c>sum by (le)</c>, are the merged report's histogram counted into the same buckets, and the
/// dashboards' <c>histogram_quantile</c> gives the merged p99 within one bucket.
/// </summary>
[Collection(EngineTiming.Name)]
public sealed class DistributedPrometheusTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "harness-distributed-prometheus-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TwoGeneratorsHistograms_InPrometheus_AddUpToTheMergedRun_AndGiveItsP99WithinOneBucket()
    {
        // Far enough ahead for both processes to start on a busy two-core machine. One that started
        // later still refuses to run (exit 2, "has passed") before sending anything: then, and only
        // then, the whole measurement is taken again with more lead.
        await StartAt.WithOneRerunAsync(
            (attempt, lead) => TryAsync(Path.Combine(_root, $"attempt-{attempt}"), lead), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(20));
    }

    /// <summary>The whole measurement in <paramref name="root"/>; false when a generator found the start time past (nothing else).</summary>
    private static async Task<bool> TryAsync(string root, TimeSpan lead)
    {
        Directory.CreateDirectory(root);
        await using var server = await LocalServer.StartAsync();
        int[] metricsPorts = [LoopbackPorts.Unused(), LoopbackPorts.Unused()];
        var prometheusConfig = Path.Combine(root, "prometheus.yml");
        await File.WriteAllTextAsync(prometheusConfig, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: loadtests
                static_configs:
                  - targets: ['127.0.0.1:{metricsPorts[0]}', '127.0.0.1:{metricsPorts[1]}']
            """);
        await using var prometheus = await PrometheusServer.StartAsync(prometheusConfig, Path.Combine(root, "data"), LoopbackPorts.Unused());

        // Latencies spread evenly over 0.4–1.39 s, where the buckets are dense: p99 lands in (1.25, 1.5].
        await File.WriteAllTextAsync(Path.Combine(root, "delays.csv"), "ms\n" + string.Join("\n", Enumerable.Range(0, 100).Select(i => 400 + (10 * i))) + "\n");
        var config = Path.Combine(root, "run.json");
        await File.WriteAllTextAsync(config, """
            { "scenarios": [ { "name": "spread", "feed": { "file": "delays.csv", "strategy": "circular" },
                "steps": [ { "name": "slow", "path": "/slow?ms={{ms}}" } ],
                "load": [ { "simulation": "keep-constant", "copies": 24, "during": "12s" } ] } ] }
            """);

        var startAt = StartAt.Ahead(lead);
        var results = await Task.WhenAll(Enumerable.Range(1, 2).Select(i => GeneratorAsync(root, config, server, i, startAt, metricsPorts[i - 1]))).WaitAsync(TimeSpan.FromMinutes(3));
        if (results.Any(r => StartAt.HadPassed(r.Code, r.Stdout + r.Stderr)))
        {
            return false;
        }

        Assert.All(results, r => Assert.True(r.Code == ExitCodes.Ok, $"a generator exited {r.Code}: {r.Stdout} {r.Stderr}"));
        var merged = await MergeAsync(root);
        var mergedHistogram = HistogramCodec.Decode(merged.Scenarios.Single().Histogram);

        // 24 users for 12 s on 0.4–1.39 s requests make about 300 answers on an idle machine; a
        // busy one makes fewer, and the comparison below needs only enough to fill the buckets.
        Assert.True(merged.Scenarios.Single().Stats.Ok > 50, $"only {merged.Scenarios.Single().Stats.Ok} requests answered");

        // Each generator held its /metrics until Prometheus had scraped its final figures, so the
        // last bucket counts of the two, added, are the whole merged run.
        var expected = LoadMetrics.LatencyBuckets.ToDictionary(le => le, le => mergedHistogram.RecordedValues().Where(v => v.ValueIteratedTo / 1e6 <= le).Sum(v => v.CountAddedInThisIterationStep));
        var seen = new Dictionary<double, long>();
        var counted = DateTimeOffset.UtcNow;
        var deadline = counted.AddSeconds(20);
        do
        {
            seen = (await prometheus.QueryAsync("sum by (le) (last_over_time(harness_load_latency_seconds_bucket[5m]))"))
                .Where(s => s.Labels["le"] != "+Inf")
                .ToDictionary(s => double.Parse(s.Labels["le"], CultureInfo.InvariantCulture), s => (long)s.Value);
            counted = DateTimeOffset.UtcNow;
        }
        while (!(seen.Count == expected.Count && expected.All(e => seen[e.Key] == e.Value)) && counted < deadline && await Pause());

        Assert.Equal(expected.OrderBy(e => e.Key), seen.OrderBy(e => e.Key));
        var instances = await prometheus.QueryAsync("count by (instance) (last_over_time(harness_load_latency_seconds_count[5m]))");
        Assert.Equal(2, instances.Count);

        // The dashboards' form: the rate over the last minute, which holds the whole run.
        var p99 = Assert.Single(await prometheus.QueryAsync("histogram_quantile(0.99, sum by (le) (rate(harness_load_latency_seconds_bucket[1m])))", counted)).Value;
        var mergedP99 = merged.Scenarios.Single().Stats.Latency.P99 / 1000;

        // At least the slowest delay's bucket (1.25, 1.5]; a busy machine adds its own delay, but
        // up to 3 s the buckets are still a quarter or half second wide, so "within one bucket" stays tight.
        Assert.InRange(mergedP99, 1.25, 3.0);
        Assert.True(
            Math.Abs(Bucket(p99) - Bucket(mergedP99)) <= 1,
            $"Prometheus's p99 {p99:0.###} s is in bucket {Bucket(p99)}, the merged report's {mergedP99:0.###} s in bucket {Bucket(mergedP99)}");
        return true;
    }

    /// <summary>Prometheus stores a scrape a moment after it takes it: a short wait between two reads.</summary>
    private static async Task<bool> Pause()
    {
        await Task.Delay(200);
        return true;
    }

    /// <summary>The index of the bucket (upper bound inclusive) that holds <paramref name="seconds"/>.</summary>
    private static int Bucket(double seconds)
    {
        var index = LoadMetrics.LatencyBuckets.ToList().FindIndex(le => seconds <= le);
        return index < 0 ? LoadMetrics.LatencyBuckets.Count : index;
    }

    private static Task<(int Code, string Stdout, string Stderr)> GeneratorAsync(string root, string config, LocalServer server, int index, string startAt, int metricsPort)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "LoadTests.dll");
        return Tools.RunAsync(
            "dotnet", null, dll, "--config", config, "--target", server.BaseAddress.ToString(), "--segment", $"{index}/2", "--start-at", startAt, "--run-id", "prometheus-run",
            "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture), "--output", Path.Combine(root, $"segment-{index}"), "--plain");
    }

    private static async Task<RunResult> MergeAsync(string root)
    {
        var output = Path.Combine(root, "merged");
        var printed = new StringWriter();
        var segments = Enumerable.Range(1, 2).Select(i => Assert.Single(Directory.GetDirectories(Path.Combine(root, $"segment-{i}"))));
        var code = await LoadTestsApp.RunAsync(["merge", .. segments, "--output", output], TestConsole.Writing(printed, width: 400));
        Assert.True(code == ExitCodes.Ok, printed.ToString());
        return ReportWriter.Read(output);
    }
}
