using System.Text.Json;
using Harness.Load;
using Harness.LoadTests.Cli;
using Xunit.Abstractions;

namespace LoadTests.Tests;

/// <summary>
/// <c>compare</c> on synthetic runs whose every interval holds a real HDR histogram, so the
/// changes and the noise are known: what must be flagged, and what must not.
/// </summary>
public sealed class ComparisonTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "harness-comparison-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    [Fact]
    public async Task Compare_ThirtyPercentSlowerEndpoint_IsARegression_AndExitsFour()
    {
        var wobble = Independent(seed: 1, count: 30, spread: 0.03);
        var baseline = Run(Scenario("async", wobble, latencyMs: 500), Scenario("sync", wobble, latencyMs: 5000));
        var candidate = Run(Scenario("async", Shuffled(wobble, seed: 2), latencyMs: 650), Scenario("sync", Shuffled(wobble, seed: 3), latencyMs: 5000));

        var code = await CompareThroughTheCli(baseline, candidate);

        Assert.Equal(ExitCodes.Regression, code);
        var comparison = JsonSerializer.Deserialize<RunComparison>(File.ReadAllText(Path.Combine(_output, "cmp", "comparison.json")), ReportWriter.Json)!;
        var async = comparison.Deltas.Where(d => d.Scenario == "async").ToDictionary(d => d.Metric);
        Assert.Equal("regression", async["ok req/s"].Verdict);
        Assert.Equal("regression", async["p50 ms"].Verdict);
        Assert.Equal("regression", async["p99 ms"].Verdict);
        Assert.InRange(async["p50 ms"].Change!.Value, 0.27, 0.33);
        Assert.All(comparison.Deltas.Where(d => d.Scenario == "sync"), d => Assert.Equal("within noise", d.Verdict));
        Assert.Contains("regression", File.ReadAllText(Path.Combine(_output, "cmp", "comparison.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_SixPercentInsideAWideAutocorrelatedNoiseBand_IsNotFlagged()
    {
        // Throughput and latency drift slowly (AR(1), ρ = 0.95): neighbouring intervals are nearly the
        // same, so their spread over √n claims a precision the run does not have.
        var drift = Autocorrelated(seed: 7, count: 60, rho: 0.95, spread: 0.08);
        var baseline = Run(Scenario("async", drift, latencyMs: 500));
        var candidate = Run(Scenario("async", [.. drift.AsEnumerable().Reverse()], latencyMs: 530));

        var comparison = RunComparison.Compare(baseline, candidate, "a", "b");
        log.WriteLine(comparison.Markdown());

        var p50 = comparison.Deltas.Single(d => d.Metric == "p50 ms");
        Assert.InRange(p50.Change!.Value, 0.055, 0.065);
        Assert.InRange(comparison.Deltas.Single(d => d.Metric == "ok req/s").Change!.Value, -0.065, -0.05);
        Assert.All(comparison.Deltas, d => Assert.Equal("within noise", d.Verdict));
        Assert.False(comparison.HasRegression);
    }

    [Fact]
    public void Compare_SmallWobble_IsWithinNoise()
    {
        // Independent wobble of ±30% per interval, and a 6% shift: above the 5% floor, so only the
        // noise rule keeps it from being flagged.
        var wobble = Independent(seed: 11, count: 20, spread: 0.3);
        var baseline = Run(Scenario("async", wobble, latencyMs: 500));
        var candidate = Run(Scenario("async", Shuffled(wobble, seed: 12), latencyMs: 530));

        var comparison = RunComparison.Compare(baseline, candidate, "a", "b");
        log.WriteLine(comparison.Markdown());

        Assert.InRange(comparison.Deltas.Single(d => d.Metric == "p50 ms").Change!.Value, 0.055, 0.065);
        Assert.All(comparison.Deltas, d => Assert.Equal("within noise", d.Verdict));
        Assert.False(comparison.HasRegression);
    }

    [Fact]
    public void Compare_LeavesDrainIntervalsOut()
    {
        var steady = Independent(seed: 5, count: 20, spread: 0.02);
        var baseline = Run(Scenario("async", steady, latencyMs: 500));
        var candidate = Run(Scenario("async", steady, latencyMs: 500));
        var drain = Scenario("async", Independent(seed: 6, count: 6, spread: 0.02), latencyMs: 5000).Intervals;
        foreach (var interval in drain)
        {
            // At the top load level and full length: only the flag tells it from steady state.
            interval.Start += 20;
            interval.Drain = true;
            interval.Stats.Ok /= 10;
            interval.Stats.Count /= 10;
        }

        candidate.Scenarios[0].Intervals.AddRange(drain);

        var comparison = RunComparison.Compare(baseline, candidate, "a", "b");
        log.WriteLine(comparison.Markdown());

        Assert.All(comparison.Deltas, d => Assert.Equal(0, d.Change));
        Assert.False(comparison.HasRegression);
    }

    [Fact]
    public void Compare_IntervalsInWhichNoRequestFinished_CountInThroughput()
    {
        // Requests of about two intervals: the same users finish twice as many every other interval
        // and none in between. That is the same throughput as finishing them evenly.
        var even = Independent(seed: 21, count: 20, spread: 0.01);
        var baseline = Run(Scenario("sync", even, latencyMs: 500));
        var candidate = Run(Scenario("sync", even, latencyMs: 500));
        foreach (var (interval, t) in candidate.Scenarios[0].Intervals.Select((interval, t) => (interval, t)))
        {
            var finished = t % 2 == 0 ? 2 * interval.Stats.Ok : 0;
            interval.Stats = new StatsBlock { Count = finished, Ok = finished, Rps = finished, OkRps = finished, Latency = finished > 0 ? interval.Stats.Latency : new LatencySummary() };
            interval.Histogram = finished > 0 ? interval.Histogram : "";
        }

        var comparison = RunComparison.Compare(baseline, candidate, "a", "b");
        log.WriteLine(comparison.Markdown());

        Assert.InRange(comparison.Deltas.Single(d => d.Metric == "ok req/s").Change!.Value, -0.03, 0.03);
        Assert.All(comparison.Deltas, d => Assert.Equal("within noise", d.Verdict));
    }

    private async Task<int> CompareThroughTheCli(RunResult baseline, RunResult candidate)
    {
        Directory.CreateDirectory(_output);
        var baselinePath = Path.Combine(_output, "baseline.json");
        var candidatePath = Path.Combine(_output, "candidate.json");
        await File.WriteAllTextAsync(baselinePath, JsonSerializer.Serialize(baseline, ReportWriter.Json));
        await File.WriteAllTextAsync(candidatePath, JsonSerializer.Serialize(candidate, ReportWriter.Json));
        return await LoadTestsApp.RunAsync(["compare", baselinePath, candidatePath, "--output", Path.Combine(_output, "cmp")], TestConsole.Quiet());
    }

    /// <summary>Per-interval factors around 1, independent of each other.</summary>
    private static double[] Independent(int seed, int count, double spread)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => 1 + (spread * ((2 * random.NextDouble()) - 1)))];
    }

    /// <summary>Per-interval factors around 1 that drift: each is ρ times the last one's offset plus a little news.</summary>
    private static double[] Autocorrelated(int seed, int count, double rho, double spread)
    {
        var random = new Random(seed);
        var offset = 0.0;
        var news = spread * Math.Sqrt(1 - (rho * rho)) * Math.Sqrt(3);
        return [.. Enumerable.Range(0, count).Select(_ => 1 + (offset = (rho * offset) + (news * ((2 * random.NextDouble()) - 1))))];
    }

    private static double[] Shuffled(double[] factors, int seed)
    {
        var copy = factors.ToArray();
        new Random(seed).Shuffle(copy);
        return copy;
    }

    /// <summary>
    /// A closed-model scenario of 50 users at one-second intervals: in interval t every request takes
    /// latencyMs × factors[t] (spread ±20% within the interval) and the users finish 50 / latency of them.
    /// </summary>
    private static ScenarioResult Scenario(string name, double[] factors, double latencyMs)
    {
        var scenario = new ScenarioResult { Name = name, Model = "closed", Start = 0, End = factors.Length, Completed = true };
        var all = HistogramCodec.NewHistogram();
        for (int t = 0; t < factors.Length; t++)
        {
            var latency = latencyMs * factors[t];
            var count = Math.Max(1, (int)Math.Round(50 * 1000 / latency));
            var histogram = HistogramCodec.NewHistogram();
            for (int j = 0; j < count; j++)
            {
                histogram.RecordValue((long)(latency * 1000 * (0.8 + (0.4 * (j + 0.5) / count))));
            }

            all.Add(histogram);
            scenario.Intervals.Add(new IntervalResult
            {
                Start = t,
                Duration = 1,
                LoadLevel = 50,
                Stats = new StatsBlock { Count = count, Ok = count, Rps = count, OkRps = count, Latency = LatencySummary.From(histogram) },
                Histogram = HistogramCodec.Encode(histogram),
            });
        }

        scenario.Stats = new StatsBlock { Count = all.TotalCount, Ok = all.TotalCount, Rps = all.TotalCount / (double)factors.Length, OkRps = all.TotalCount / (double)factors.Length, Latency = LatencySummary.From(all) };
        scenario.Histogram = HistogramCodec.Encode(all);
        return scenario;
    }

    private static RunResult Run(params ScenarioResult[] scenarios) => new()
    {
        Suite = "synthetic",
        StartedAt = DateTimeOffset.UnixEpoch,
        FinishedAt = DateTimeOffset.UnixEpoch.AddMinutes(1),
        Completed = true,
        StopReason = "completed",
        Scenarios = [.. scenarios],
    };
}
