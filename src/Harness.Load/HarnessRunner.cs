using Microsoft.Extensions.Logging;

namespace Harness.Load;

/// <summary>Runs scenarios written in C# and writes their reports, as NBomber's runner: <c>HarnessRunner.RegisterScenarios(a, b).RunAsync()</c>.</summary>
public static class HarnessRunner
{
    public static RunnerContext RegisterScenarios(params ScenarioProps[] scenarios) => new([.. scenarios]);

    /// <summary>The run id generators agree on without being told: their common start time, <c>20261202-180000</c>.</summary>
    public static string? DefaultRunId(DateTimeOffset? startAt) =>
        startAt?.UtcDateTime.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The files a run's report folder gets.</summary>
public enum ReportFormat
{
    /// <summary>index.html: self-contained, charts included, opens offline.</summary>
    Html,

    /// <summary>summary.md.</summary>
    Md,

    /// <summary>stats.csv: a row per interval and a total, per scenario and per step.</summary>
    Csv,

    /// <summary>results.json: everything, with the HDR histograms of every interval.</summary>
    Json,
}

/// <summary>A run being set up; every <c>With…</c> returns a changed copy, <see cref="RunAsync"/> runs it.</summary>
public sealed record RunnerContext
{
    internal RunnerContext(IReadOnlyList<ScenarioProps> scenarios) => Scenarios = scenarios;

    public IReadOnlyList<ScenarioProps> Scenarios { get; }

    /// <summary>The run's name, in the report's title and folder name.</summary>
    public string TestName { get; init; } = "load";

    /// <summary>Reports go to <c>&lt;folder&gt;/&lt;UTC time&gt;-&lt;test name&gt;/</c>; null writes none.</summary>
    public string? ReportFolder { get; init; } = "reports";

    public IReadOnlyList<ReportFormat> ReportFormats { get; init; } = [ReportFormat.Html, ReportFormat.Md, ReportFormat.Csv, ReportFormat.Json];

    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];

    public EngineSettings Settings { get; init; } = new();

    /// <summary>Servers whose Prometheus <c>/metrics</c> are sampled on the run's timeline, read at every sample.</summary>
    public Func<IReadOnlyList<(string Name, Uri MetricsUrl)>>? ServerMetrics { get; init; }

    public IRunObserver? Observer { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    public RunnerContext WithTestName(string name) => this with { TestName = name };

    public RunnerContext WithReportFolder(string folder) => this with { ReportFolder = folder };

    public RunnerContext WithoutReports() => this with { ReportFolder = null };

    public RunnerContext WithReportFormats(params ReportFormat[] formats) => this with { ReportFormats = [.. formats] };

    /// <summary>Pass/fail conditions, as <c>--threshold</c> takes them: <c>p99 &lt; 1.5s</c>, <c>fail_rate &lt; 1%</c>, <c>browse: rps &gt; 100</c>.</summary>
    public RunnerContext WithThresholds(params string[] thresholds) => this with { Thresholds = [.. Thresholds, .. thresholds.Select(Threshold.Parse)] };

    public RunnerContext WithThresholds(IEnumerable<Threshold> thresholds) => this with { Thresholds = [.. Thresholds, .. thresholds] };

    /// <summary>The reporting interval: the resolution of every chart and of the per-interval figures (default 1 s).</summary>
    public RunnerContext WithInterval(TimeSpan interval) => this with { Settings = Settings with { Interval = interval } };

    /// <summary>Runs the <paramref name="index"/>-th of <paramref name="count"/> equal shares of every scenario's load (1 ≤ index ≤ count), as one of N generators.</summary>
    public RunnerContext WithSegment(int index, int count) => this with { Settings = Settings with { Segment = Segment.Of(index, count, "WithSegment") } };

    /// <summary>Starts the load at <paramref name="at"/> (UTC), so generators given the same time start together; the run id defaults to one made from it.</summary>
    public RunnerContext WithStartAt(DateTimeOffset at) => this with { Settings = Settings with { StartAt = at } };

    /// <summary>The id shared by every segment of one distributed run; <c>merge</c> refuses results of different runs.</summary>
    public RunnerContext WithRunId(string runId) => this with { Settings = Settings with { RunId = runId } };

    public RunnerContext WithEngineSettings(EngineSettings settings) => this with { Settings = settings };

    /// <summary>Samples these Prometheus endpoints (e.g. <c>http://127.0.0.1:5080/metrics</c>) every interval.</summary>
    public RunnerContext WithServerMetrics(params string[] urls)
    {
        var endpoints = urls.Select(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? (uri.Authority + (uri.AbsolutePath == "/metrics" ? "" : uri.AbsolutePath), uri)
            : throw new ConfigurationException($"Server metrics: '{url}' is not an http(s) URL of a /metrics endpoint.")).ToList();
        return this with { ServerMetrics = () => endpoints };
    }

    public RunnerContext WithServerMetrics(Func<IReadOnlyList<(string Name, Uri MetricsUrl)>> endpoints) => this with { ServerMetrics = endpoints };

    public RunnerContext WithObserver(IRunObserver observer) => this with { Observer = observer };

    public RunnerContext WithLoggerFactory(ILoggerFactory loggerFactory) => this with { LoggerFactory = loggerFactory };

    /// <summary>
    /// Checks the setup (a <see cref="ConfigurationException"/> says what to change, before any load),
    /// runs every scenario, writes the reports and returns what was measured, however the run ended.
    /// </summary>
    public async Task<RunResult> RunAsync(CancellationToken cancellationToken = default)
    {
        Check();
        if (ReportFolder is not null)
        {
            ReportWriter.EnsureWritable(ReportFolder);
        }

        var settings = Settings with { RunId = Settings.RunId ?? HarnessRunner.DefaultRunId(Settings.StartAt) };
        using var sampler = ServerMetrics is null ? null : new ServerSampler(ServerMetrics, TimeSpan.FromSeconds(Math.Min(2, Settings.Interval.TotalSeconds * 0.9)));
        var runner = new LoadRunner(settings, Thresholds, sampler, Observer ?? NoObserver.Instance, LoggerFactory);
        var result = await runner.RunAsync(Scenarios, TestName, cancellationToken).ConfigureAwait(false);
        result.Fingerprint = Fingerprint.OfThisProcess();
        result.Settings = new Dictionary<string, string>
        {
            ["interval"] = Durations.Format(Settings.Interval),
            ["thresholds"] = string.Join("; ", Thresholds.Select(t => t.Expression)),
        };
        result.ExitCode = result.Thresholds.Any(t => !t.Passed)
            || result.StopReason.StartsWith("threshold", StringComparison.Ordinal)
            || result.StopReason.Contains("max fail count", StringComparison.Ordinal) ? 1 : 0;

        if (ReportFolder is not null && ReportFormats.Count > 0)
        {
            var directory = ReportWriter.NewRunDirectory(ReportFolder, TestName, result.StartedAt);
            ReportWriter.WriteAll(result, directory, ReportFormats);
            result.ReportFolder = directory;
        }

        return result;
    }

    private void Check()
    {
        if (Scenarios.Count == 0)
        {
            throw new ConfigurationException("No scenario to run: pass at least one to HarnessRunner.RegisterScenarios(...).");
        }

        if (Scenarios.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new ConfigurationException($"Two scenarios are named '{duplicate.Key}': give each its own name.");
        }

        if (Scenarios.Select(s => s.Problem()).FirstOrDefault(p => p is not null) is { } problem)
        {
            throw new ConfigurationException(problem);
        }

        if (Settings.StartAt is { } startAt && startAt <= DateTimeOffset.UtcNow)
        {
            throw new ConfigurationException($"The start time {startAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} has passed (it is {DateTimeOffset.UtcNow.UtcDateTime:HH:mm:ss.fffZ} now): give every generator a time far enough ahead for all of them to be ready.");
        }

        if (Settings.Interval < TimeSpan.FromMilliseconds(100))
        {
            throw new ConfigurationException($"The interval must be at least 100ms (got {Durations.Format(Settings.Interval)}).");
        }

        foreach (var threshold in Thresholds.Where(t => t.Scenario is not null && !Scenarios.Any(s => t.AppliesTo(s.Name))))
        {
            throw new ConfigurationException($"Threshold '{threshold.Expression}' names scenario '{threshold.Scenario}', which this run does not have. It has: {string.Join(", ", Scenarios.Select(s => s.Name))}.");
        }
    }

    private sealed class NoObserver : IRunObserver
    {
        public static readonly NoObserver Instance = new();
    }
}
