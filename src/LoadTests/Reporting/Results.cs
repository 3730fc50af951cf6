using HdrHistogram;

namespace Harness.LoadTests.Reporting;

/// <summary>Everything one run measured: what results.json holds, and what every report is made from.</summary>
public sealed class RunResult
{
    public int Schema { get; set; } = 1;

    public string Suite { get; set; } = "";

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

    public Analysis? Analysis { get; set; }

    /// <summary>Where the embedded services wrote their logs, if the run started them.</summary>
    public string? ServiceLogs { get; set; }
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
}

public sealed class ScenarioResult
{
    public string Name { get; set; } = "";

    public string Group { get; set; } = "";

    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>"open", "closed" or "mixed".</summary>
    public string Model { get; set; } = "";

    public List<string> Simulations { get; set; } = [];

    /// <summary>Seconds from the run's start when measuring began and ended (warm-up excluded).</summary>
    public double Start { get; set; }

    public double End { get; set; }

    public bool Completed { get; set; }

    public long WarmUpCount { get; set; }

    public StatsBlock Stats { get; set; } = new();

    public List<IntervalResult> Intervals { get; set; } = [];

    /// <summary>The whole run's latency histogram (ok requests), HDR compressed, base64.</summary>
    public string Histogram { get; set; } = "";

    /// <summary>Latency at percentiles from 0 to 100 (the percentile spectrum chart).</summary>
    public List<PercentilePoint> Spectrum { get; set; } = [];
}

public sealed class IntervalResult
{
    /// <summary>Seconds from the run's start.</summary>
    public double Start { get; set; }

    public double Duration { get; set; }

    /// <summary>Users (closed) or invocations per second (open) asked for at the interval's end.</summary>
    public double LoadLevel { get; set; }

    public long InFlight { get; set; }

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

    /// <summary>Requests still in flight when the run stopped, cancelled and not counted as ok or failed.</summary>
    public long Unfinished { get; set; }

    public double Rps { get; set; }

    public double OkRps { get; set; }

    public long Bytes { get; set; }

    /// <summary>Latency of ok requests (open model: from the intended start).</summary>
    public LatencySummary Latency { get; set; } = new();

    public LatencySummary? FailLatency { get; set; }

    /// <summary>Open model: how late requests left against their schedule.</summary>
    public LatencySummary? ScheduleLag { get; set; }

    public Dictionary<string, long> StatusCodes { get; set; } = [];

    public Dictionary<string, long> Errors { get; set; } = [];

    /// <summary>Failed and dropped over everything planned.</summary>
    public double FailRate => Count + Dropped == 0 ? 0 : (double)(Fail + Dropped) / (Count + Dropped);
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

/// <summary>One scrape of a server's /metrics, on the run's timeline. Null where the scrape failed or the metric is absent.</summary>
public sealed class ServerSample
{
    public double T { get; set; }

    public bool Up { get; set; }

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

public sealed class ThresholdResult
{
    public string Scenario { get; set; } = "";

    public string Expression { get; set; } = "";

    public double Actual { get; set; }

    public bool Passed { get; set; }
}

/// <summary>What the numbers say, worked out once so every report says the same.</summary>
public sealed class Analysis
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
}

/// <summary>Where a mode's throughput stopped growing with concurrency while its latency climbed.</summary>
public sealed class KneeResult
{
    public string Scenario { get; set; } = "";

    public string Mode { get; set; } = "";

    /// <summary>Users at the knee; null when throughput kept growing over the whole range.</summary>
    public double? Users { get; set; }

    public double RpsAtKnee { get; set; }

    public List<StepPoint> Steps { get; set; } = [];
}

public sealed class StepPoint
{
    public double Users { get; set; }

    public double OkRps { get; set; }

    public double P50 { get; set; }

    public double P99 { get; set; }

    public double? PoolThreads { get; set; }

    public double? QueueLength { get; set; }
}
