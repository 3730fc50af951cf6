using System.Text.Json.Serialization;
using HdrHistogram;

namespace Harness.Load;

/// <summary>Everything one run measured: what results.json holds, and what every report is made from.</summary>
public sealed class RunResult
{
    public int Schema { get; set; } = 1;

    public string Suite { get; set; } = "";

    /// <summary>The run this result is a part of (<c>--run-id</c>): segments with the same id merge into one run.</summary>
    public string? RunId { get; set; }

    /// <summary>Which share of the load this generator ran (<c>--segment I/N</c>); null for the whole load or a merged run.</summary>
    public Segment? Segment { get; set; }

    /// <summary>A merged run's generators, one per segment, with their share and their own health samples.</summary>
    public List<GeneratorSeries> Generators { get; set; } = [];

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset FinishedAt { get; set; }

    /// <summary>False when the run stopped early (interrupted, time limit, threshold abort, target gone).</summary>
    public bool Completed { get; set; }

    public string StopReason { get; set; } = "";

    public Fingerprint Fingerprint { get; set; } = new();

    /// <summary>The settings the run used, as the user would write them.</summary>
    public Dictionary<string, string> Settings { get; set; } = [];

    public List<ScenarioResult> Scenarios { get; set; } = [];

    public List<ServerSeries> Servers { get; set; } = [];

    public List<GeneratorSample> Generator { get; set; } = [];

    public List<string> Warnings { get; set; } = [];

    public List<ThresholdResult> Thresholds { get; set; } = [];

    /// <summary>What an application worked out from the figures (who won, where the knee was); the reports show it when present.</summary>
    public RunAnalysis? Analysis { get; set; }

    /// <summary>Where the embedded services wrote their logs, if the run started them.</summary>
    public string? ServiceLogs { get; set; }

    /// <summary>0 when every threshold held; 1 when one failed (at the end or during the run) or a scenario passed its max fail count.</summary>
    [JsonIgnore]
    public int ExitCode { get; set; }

    /// <summary>The folder the runner wrote this run's reports to; null when it wrote none.</summary>
    [JsonIgnore]
    public string? ReportFolder { get; set; }

    /// <summary>Each scenario's figures by name, as NBomber's <c>result.ScenarioStats.Get("name")</c>.</summary>
    [JsonIgnore]
    public ScenarioStatsList ScenarioStats => new(Scenarios);
}

public sealed class Fingerprint
{
    public string Machine { get; set; } = "";

    public string Os { get; set; } = "";

    public int Cores { get; set; }

    public string Dotnet { get; set; } = "";

    public string Gc { get; set; } = "";

    public string Commit { get; set; } = "";

    public string Target { get; set; } = "";

    public string CommandLine { get; set; } = "";

    /// <summary>This machine and process; the commit is the one the entry assembly was built from (its SourceRevisionId), when known.</summary>
    public static Fingerprint OfThisProcess() => new()
    {
        Machine = Environment.MachineName,
        Os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        Cores = Environment.ProcessorCount,
        Dotnet = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        Gc = (System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")
            + (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? ", non-concurrent" : ", concurrent") + " (load generator)",
        Commit = BuildCommit(System.Reflection.Assembly.GetEntryAssembly()) ?? "unknown",
    };

    /// <summary>The commit in an assembly's informational version (<c>1.0.0+&lt;sha&gt;</c>, which the SDK writes from SourceRevisionId), shortened to 12.</summary>
    public static string? BuildCommit(System.Reflection.Assembly? assembly)
    {
        var version = assembly is null ? null : System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(assembly)?.InformationalVersion;
        var plus = version?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        if (version is null || plus < 0 || plus == version.Length - 1)
        {
            return null;
        }

        var commit = version[(plus + 1)..];
        return commit[..Math.Min(12, commit.Length)];
    }
}

public sealed class ScenarioResult
{
    public string Name { get; set; } = "";

    public string Group { get; set; } = "";

    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>"open", "closed" or "mixed".</summary>
    public string Model { get; set; } = "";

    public List<string> Simulations { get; set; } = [];

    /// <summary>Seconds from the run's start when measuring began and ended (warm-up excluded, drain included).</summary>
    public double Start { get; set; }

    public double End { get; set; }

    /// <summary>
    /// Seconds from the end of the load to <see cref="End"/>: requests still in flight finishing
    /// (intervals marked <see cref="IntervalResult.Drain"/>). The load window, over which
    /// <see cref="StatsBlock.Rps"/> is taken, is <see cref="Start"/> to <see cref="End"/> less this.
    /// </summary>
    public double DrainSeconds { get; set; }

    /// <summary>Requests that finished in the drain (counted in <see cref="Stats"/>: they were sent under load).</summary>
    public long DrainCount { get; set; }

    public bool Completed { get; set; }

    /// <summary>Why the scenario ended before its simulations did (a queue feed that ran out); null when it did not.</summary>
    public string? EndedEarly { get; set; }

    public long WarmUpCount { get; set; }

    public StatsBlock Stats { get; set; } = new();

    public List<IntervalResult> Intervals { get; set; } = [];

    /// <summary>The whole run's latency histogram (ok requests), HDR compressed, base64.</summary>
    public string Histogram { get; set; } = "";

    /// <summary>Latency at percentiles from 0 to 100 (the percentile spectrum chart).</summary>
    public List<PercentilePoint> Spectrum { get; set; } = [];

    /// <summary>Each <c>Step.Run</c> measured on its own, in the order the steps first ran; empty when the scenario has no steps.</summary>
    public List<StepResult> Steps { get; set; } = [];

    /// <summary>The W3C trace ids of the invocations sent with a sampled <c>traceparent</c> (<see cref="ScenarioProps.TracedRequests"/>).</summary>
    public List<string> TraceIds { get; set; } = [];

    /// <summary>One of those traces as the services recorded it, for the report's waterfall; null when none was fetched.</summary>
    public RequestTrace? Trace { get; set; }

    /// <summary>The ok invocations' figures (NBomber's <c>scenarioStats.Ok</c>).</summary>
    [JsonIgnore]
    public OutcomeStats Ok => OutcomeStats.Of(Stats, ok: true);

    /// <summary>The failed invocations' figures (NBomber's <c>scenarioStats.Fail</c>).</summary>
    [JsonIgnore]
    public OutcomeStats Fail => OutcomeStats.Of(Stats, ok: false);

    /// <summary>Each step's figures by name; a scenario without steps is its own one step.</summary>
    [JsonIgnore]
    public StepStatsList StepStats => new(this);
}

/// <summary>One step of a scenario (<c>Step.Run</c>): its own counts, latency histogram and intervals.</summary>
public sealed class StepResult
{
    public string Name { get; set; } = "";

    public StatsBlock Stats { get; set; } = new();

    public List<IntervalResult> Intervals { get; set; } = [];

    /// <summary>The whole run's latency histogram of the step's ok calls, HDR compressed, base64.</summary>
    public string Histogram { get; set; } = "";

    public List<PercentilePoint> Spectrum { get; set; } = [];

    [JsonIgnore]
    public OutcomeStats Ok => OutcomeStats.Of(Stats, ok: true);

    [JsonIgnore]
    public OutcomeStats Fail => OutcomeStats.Of(Stats, ok: false);
}

/// <summary>The scenarios of a run by name.</summary>
public sealed class ScenarioStatsList(IReadOnlyList<ScenarioResult> scenarios) : IReadOnlyList<ScenarioResult>
{
    public int Count => scenarios.Count;

    public ScenarioResult this[int index] => scenarios[index];

    public ScenarioResult Get(string name) =>
        scenarios.FirstOrDefault(s => s.Name == name)
        ?? throw new KeyNotFoundException($"The run has no scenario '{name}'. It has: {string.Join(", ", scenarios.Select(s => s.Name))}.");

    public IEnumerator<ScenarioResult> GetEnumerator() => scenarios.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>The steps of a scenario by name.</summary>
public sealed class StepStatsList(ScenarioResult scenario) : IReadOnlyList<StepResult>
{
    private readonly IReadOnlyList<StepResult> _steps = scenario.Steps.Count > 0
        ? scenario.Steps
        : [new StepResult { Name = scenario.Name, Stats = scenario.Stats, Intervals = scenario.Intervals, Histogram = scenario.Histogram, Spectrum = scenario.Spectrum }];

    public int Count => _steps.Count;

    public StepResult this[int index] => _steps[index];

    public StepResult Get(string name) =>
        _steps.FirstOrDefault(s => s.Name == name)
        ?? throw new KeyNotFoundException($"Scenario '{scenario.Name}' has no step '{name}'. It has: {string.Join(", ", _steps.Select(s => s.Name))}.");

    public IEnumerator<StepResult> GetEnumerator() => _steps.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>The ok or the failed side of a scenario's or step's figures, in NBomber's shape: <c>Request.Count</c>, <c>Latency.Percent99</c>.</summary>
public sealed class OutcomeStats
{
    public RequestStats Request { get; init; } = new();

    /// <summary>Milliseconds; for failures, how long they took to fail.</summary>
    public LatencyStats Latency { get; init; } = new();

    /// <summary>Why invocations failed, by kind, with counts (empty on the ok side).</summary>
    public IReadOnlyDictionary<string, long> ErrorKinds { get; init; } = new Dictionary<string, long>();

    internal static OutcomeStats Of(StatsBlock stats, bool ok)
    {
        var count = ok ? stats.Ok : stats.Fail;
        var latency = ok ? stats.Latency : stats.FailLatency ?? new LatencySummary();
        return new OutcomeStats
        {
            Request = new RequestStats
            {
                Count = count,
                RPS = ok ? stats.OkRps : Math.Round(stats.Rps - stats.OkRps, 3),
                Percent = stats.Count == 0 ? 0 : Math.Round(100.0 * count / stats.Count, 2),
            },
            Latency = new LatencyStats
            {
                MinMs = latency.Min,
                MeanMs = latency.Mean,
                MaxMs = latency.Max,
                StdDev = latency.StdDev,
                Percent50 = latency.P50,
                Percent75 = latency.P75,
                Percent90 = latency.P90,
                Percent95 = latency.P95,
                Percent99 = latency.P99,
                Percent999 = latency.P999,
            },
            ErrorKinds = ok ? new Dictionary<string, long>() : stats.Errors,
        };
    }
}

public sealed class RequestStats
{
    public long Count { get; init; }

    /// <summary>Per second over the measured time.</summary>
    public double RPS { get; init; }

    /// <summary>Share of all invocations, 0–100.</summary>
    public double Percent { get; init; }
}

/// <summary>Milliseconds.</summary>
public sealed class LatencyStats
{
    public double MinMs { get; init; }

    public double MeanMs { get; init; }

    public double MaxMs { get; init; }

    public double StdDev { get; init; }

    public double Percent50 { get; init; }

    public double Percent75 { get; init; }

    public double Percent90 { get; init; }

    public double Percent95 { get; init; }

    public double Percent99 { get; init; }

    public double Percent999 { get; init; }
}

public sealed class IntervalResult
{
    /// <summary>Seconds from the run's start.</summary>
    public double Start { get; set; }

    public double Duration { get; set; }

    /// <summary>Users (closed) or invocations per second (open) asked for at the interval's end.</summary>
    public double LoadLevel { get; set; }

    public long InFlight { get; set; }

    /// <summary>True when the scenario's load had ended and the interval only saw requests still in flight finish (the drain): not steady state.</summary>
    public bool Drain { get; set; }

    public StatsBlock Stats { get; set; } = new();

    public string Histogram { get; set; } = "";
}

public sealed class StatsBlock
{
    public long Count { get; set; }

    public long Ok { get; set; }

    public long Fail { get; set; }

    /// <summary>Open model: arrivals not sent because the in-flight cap was reached.</summary>
    public long Dropped { get; set; }

    /// <summary>Open model: requests that left more than the lateness bound after their intended start.</summary>
    public long Late { get; set; }

    /// <summary>
    /// Requests still in flight when the run stopped (drain timeout, Ctrl+C, time limit), cancelled:
    /// neither ok nor failed, not in <see cref="Count"/> nor the percentiles, but counted in
    /// <see cref="FailRate"/>, since they did not succeed; <see cref="UnfinishedElapsed"/> says how long they had waited.
    /// </summary>
    public long Unfinished { get; set; }

    public double Rps { get; set; }

    public double OkRps { get; set; }

    public long Bytes { get; set; }

    /// <summary>Latency of ok requests (open model: from the intended start).</summary>
    public LatencySummary Latency { get; set; } = new();

    public LatencySummary? FailLatency { get; set; }

    /// <summary>Open model: how late requests left against their schedule.</summary>
    public LatencySummary? ScheduleLag { get; set; }

    /// <summary>How long the <see cref="Unfinished"/> requests had been out when they were cancelled (open model: since they were due); their latency was at least this.</summary>
    public LatencySummary? UnfinishedElapsed { get; set; }

    public Dictionary<string, long> StatusCodes { get; set; } = [];

    public Dictionary<string, long> Errors { get; set; } = [];

    /// <summary>Everything planned that did not end ok (failed, dropped, unfinished) over everything planned.</summary>
    public double FailRate => Count + Dropped + Unfinished == 0 ? 0 : (double)(Fail + Dropped + Unfinished) / (Count + Dropped + Unfinished);
}

/// <summary>Milliseconds.</summary>
public sealed class LatencySummary
{
    public double Min { get; set; }

    public double Mean { get; set; }

    public double Max { get; set; }

    public double StdDev { get; set; }

    public double P50 { get; set; }

    public double P75 { get; set; }

    public double P90 { get; set; }

    public double P95 { get; set; }

    public double P99 { get; set; }

    public double P999 { get; set; }

    public static LatencySummary From(HistogramBase micros)
    {
        if (micros.TotalCount == 0)
        {
            return new LatencySummary();
        }

        static double Ms(double us) => Math.Round(us / 1000.0, 3);
        return new LatencySummary
        {
            Min = Ms(micros.LowestEquivalentValue(micros.RecordedValues().First().ValueIteratedTo)),
            Mean = Ms(micros.GetMean()),
            Max = Ms(micros.GetMaxValue()),
            StdDev = Ms(micros.GetStdDeviation()),
            P50 = Ms(micros.GetValueAtPercentile(50)),
            P75 = Ms(micros.GetValueAtPercentile(75)),
            P90 = Ms(micros.GetValueAtPercentile(90)),
            P95 = Ms(micros.GetValueAtPercentile(95)),
            P99 = Ms(micros.GetValueAtPercentile(99)),
            P999 = Ms(micros.GetValueAtPercentile(99.9)),
        };
    }
}

public sealed record PercentilePoint(double Percentile, double Ms);

/// <summary>
/// One scrape of a server's /metrics, on the run's timeline at the moment it was answered. Null
/// where the scrape failed or the metric is absent; rates are per second of that span between answers.
/// </summary>
public sealed class ServerSample
{
    public double T { get; set; }

    public bool Up { get; set; }

    /// <summary>Why this sample has no values (no answer in time, the scrape failed, the previous one was still out); null when it was answered.</summary>
    public string? Gap { get; set; }

    public double? PoolThreads { get; set; }

    public double? QueueLength { get; set; }

    public double? CompletedPerSecond { get; set; }

    /// <summary>CPU used, in cores (1.0 = one core busy).</summary>
    public double? Cpu { get; set; }

    public double? WorkingSetBytes { get; set; }

    public double? InFlightRequests { get; set; }

    public double? SchedulingDelayMs { get; set; }

    public double? GcPauseFraction { get; set; }
}

public sealed class ServerSeries
{
    public string Name { get; set; } = "";

    public string Url { get; set; } = "";

    public List<ServerSample> Samples { get; set; } = [];
}

public sealed class GeneratorSample
{
    public double T { get; set; }

    /// <summary>Share of the whole machine's CPU the generator used (1.0 = every core).</summary>
    public double Cpu { get; set; }

    public double GcPauseFraction { get; set; }

    public int PoolThreads { get; set; }

    public long PoolQueue { get; set; }

    public double WorkingSetBytes { get; set; }
}

/// <summary>One generator of a merged run: its segment, its share of the requests, and its own samples.</summary>
public sealed class GeneratorSeries
{
    public Segment Segment { get; set; } = Segment.Whole;

    public string Machine { get; set; } = "";

    public DateTimeOffset StartedAt { get; set; }

    public long Count { get; set; }

    public List<GeneratorSample> Samples { get; set; } = [];

    public List<string> Warnings { get; set; } = [];
}

public sealed class ThresholdResult
{
    public string Scenario { get; set; } = "";

    public string Expression { get; set; } = "";

    public double Actual { get; set; }

    public bool Passed { get; set; }
}

/// <summary>What the numbers say, worked out once (by the application) so every report says the same.</summary>
public sealed class RunAnalysis
{
    public string Headline { get; set; } = "";

    public List<ModeSummary> Modes { get; set; } = [];

    public List<KneeResult> Knees { get; set; } = [];
}

public sealed class ModeSummary
{
    public string Scenario { get; set; } = "";

    public string Mode { get; set; } = "";

    public double OkRps { get; set; }

    public double P50 { get; set; }

    public double P99 { get; set; }

    public double FailRate { get; set; }

    /// <summary>This mode's throughput over the best mode's (1.0 for the winner).</summary>
    public double RelativeThroughput { get; set; }

    public double? PeakPoolThreads { get; set; }

    public double? PeakQueueLength { get; set; }

    /// <summary>"closed" or "open", as the scenario ran.</summary>
    public string Model { get; set; } = "";

    /// <summary>Open model: the arrivals per second offered once ramped; null for a closed one.</summary>
    public double? OfferedRps { get; set; }

    /// <summary>Open model: the in-flight cap past which arrivals were not sent.</summary>
    public int? MaxInFlight { get; set; }

    /// <summary>Requests sent: ok, failed and unfinished.</summary>
    public long Requests { get; set; }

    /// <summary>Open model: arrivals not sent because the in-flight cap was reached.</summary>
    public long Dropped { get; set; }

    /// <summary>Open model: dropped over every planned arrival (sent or not).</summary>
    public double NotSentRate { get; set; }

    /// <summary>Open model: requests that left later than the lateness bound (the generator's own lag, not the server's).</summary>
    public long Late { get; set; }

    /// <summary>Open model: how late requests left, p99, ms.</summary>
    public double? LagP99 { get; set; }

    public long Failed { get; set; }

    /// <summary>Requests still in flight when the run stopped, cancelled.</summary>
    public long Unfinished { get; set; }
}

/// <summary>Where a mode's throughput stopped growing with concurrency while its latency climbed.</summary>
public sealed class KneeResult
{
    public string Scenario { get; set; } = "";

    public string Mode { get; set; } = "";

    /// <summary>Users at the knee (the last step before throughput flattened while p99 climbed); null when no step did both.</summary>
    public double? Users { get; set; }

    public double RpsAtKnee { get; set; }

    /// <summary>Milliseconds: p99 at the knee step; 0 without a knee.</summary>
    public double P99AtKnee { get; set; }

    /// <summary>Milliseconds: p99 at the step after the knee, the climb that marks it; 0 without a knee.</summary>
    public double P99AfterKnee { get; set; }

    public List<StepPoint> Steps { get; set; } = [];
}

public sealed class StepPoint
{
    public double Users { get; set; }

    public double OkRps { get; set; }

    public double P50 { get; set; }

    public double P99 { get; set; }

    /// <summary>The seconds the step's figures come from: the step less its transition (see the analysis).</summary>
    public double Seconds { get; set; }

    public double? PoolThreads { get; set; }

    public double? QueueLength { get; set; }
}

/// <summary>One request's trace, its spans placed relative to the request's first span.</summary>
public sealed class RequestTrace
{
    public string TraceId { get; set; } = "";

    /// <summary>Where the spans came from (the dashboard's URL).</summary>
    public string Source { get; set; } = "";

    /// <summary>In the order they started.</summary>
    public List<TraceSpan> Spans { get; set; } = [];
}

/// <summary>One span of a <see cref="RequestTrace"/>; times in milliseconds from the trace's first span.</summary>
public sealed class TraceSpan
{
    public string Service { get; set; } = "";

    public string Name { get; set; } = "";

    public string SpanId { get; set; } = "";

    public string? ParentSpanId { get; set; }

    /// <summary>"server", "client", "internal", ...</summary>
    public string Kind { get; set; } = "";

    public double StartMs { get; set; }

    public double DurationMs { get; set; }

    [JsonIgnore]
    public double EndMs => StartMs + DurationMs;
}
