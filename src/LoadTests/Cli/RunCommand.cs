using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using Harness.Hosting;
using Harness.LoadTests.Engine;
using Harness.LoadTests.Hosting;
using Harness.LoadTests.Reporting;
using Harness.LoadTests.Scenarios;
using Spectre.Console;

namespace Harness.LoadTests.Cli;

/// <summary>Runs the planned suites against the embedded stack or a given target, and writes a report per suite.</summary>
public sealed class RunCommand(RunPlan plan, ConsoleView view, IRunObserver? extraObserver)
{
    public string? LastReportDirectory { get; private set; }

    public async Task<int> ExecuteAsync(string? metricsHost, int? metricsPort, string commandLine, CancellationToken cancellationToken)
    {
        var console = view.Console;
        using var loadMetrics = new LoadMetrics();
        MetricsEndpoint? metricsEndpoint = null;
        EmbeddedStack? stack = null;
        var exitCode = ExitCodes.Ok;
        try
        {
            if (metricsPort is { } port)
            {
                metricsEndpoint = await MetricsEndpoint.StartAsync(metricsHost ?? "127.0.0.1", port, cancellationToken).ConfigureAwait(false);
                view.Info($"engine metrics on {metricsEndpoint.Address}metrics");
            }

            foreach (var suite in plan.Suites)
            {
                var directory = ReportWriter.NewRunDirectory(plan.Output, suite, DateTimeOffset.UtcNow);
                LastReportDirectory = directory;
                Uri baseAddress;
                if (plan.Target is { } target)
                {
                    baseAddress = target;
                    await PreflightAsync(target, suite != Suites.Custom, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    if (stack is null)
                    {
                        view.Info("starting the services (downstream, target-1, target-2, gateway) on loopback…");
                        stack = await EmbeddedStack.StartAsync(Path.Combine(directory, "logs"), view.Info, cancellationToken).ConfigureAwait(false);
                    }

                    baseAddress = stack.GatewayAddress;
                }

                using var http = new HttpTarget(baseAddress, plan.RequestTimeout);
                var fresh = true;
                Func<CancellationToken, Task>? beforeEach = stack is not null && plan.FreshServices
                    ? async token =>
                    {
                        if (!fresh)
                        {
                            await stack.RestartAsync(token).ConfigureAwait(false);
                        }

                        fresh = false;
                    }
                : null;
                var currentStack = stack;
                var scenarios = Suites.Select(BuildScenarios(suite, http, beforeEach), plan.ScenarioNames);
                CheckThresholdScenarios(scenarios);

                using var sampler = new ServerSampler(
                    () => currentStack is not null ? currentStack.MetricsEndpoints : ScrapeTargets(baseAddress),
                    TimeSpan.FromSeconds(Math.Min(2, plan.Engine.Interval.TotalSeconds * 0.9)));
                var observers = new Observers(view, loadMetrics, extraObserver);
                var runner = new LoadRunner(plan.Engine, plan.Thresholds, sampler, observers);
                var result = new RunResult
                {
                    Suite = suite,
                    Settings = plan.Described,
                    Fingerprint = Fingerprint(baseAddress, commandLine, currentStack is not null),
                    ServiceLogs = currentStack?.LogDirectory,
                };

                result = await view.ShowAsync($"{suite} ({plan.Profile.Name} profile) → {baseAddress}", () => runner.RunAsync(scenarios, result, cancellationToken)).ConfigureAwait(false);
                ReportWriter.WriteAll(result, directory);
                PrintSummary(console, result, directory);

                exitCode = Math.Max(exitCode, Outcome(result));
                if (exitCode is ExitCodes.Interrupted or ExitCodes.TargetUnavailable)
                {
                    break;
                }
            }
        }
        finally
        {
            if (metricsEndpoint is not null)
            {
                // The run's last interval reaches Prometheus only if a scrape reads it before we exit.
                await metricsEndpoint.HoldForFinalScrapeAsync(view.Info).ConfigureAwait(false);
            }

            if (stack is not null)
            {
                await stack.DisposeAsync().ConfigureAwait(false);
            }

            if (metricsEndpoint is not null)
            {
                await metricsEndpoint.DisposeAsync().ConfigureAwait(false);
            }
        }

        return exitCode;
    }

    private List<Scenario> BuildScenarios(string suite, HttpTarget http, Func<CancellationToken, Task>? beforeEach)
    {
        if (suite != Suites.Custom)
        {
            return Suites.Build(suite, plan.Profile, http, beforeEach);
        }

        return [.. plan.CustomScenarios.Select((spec, i) => new Scenario(spec.Name, http.Get(spec.Path))
        {
            Simulations = [.. spec.Load.Select((load, j) => load.ToSimulation($"scenarios[{i}].load[{j}]"))],
            WarmUp = spec.WarmUp is null ? TimeSpan.Zero : Durations.Parse(spec.WarmUp, $"scenarios[{i}].warmUp"),
            MaxInFlight = spec.MaxInFlight is > 0 and var cap ? cap : 10_000,
            Group = spec.Group ?? "",
            Labels = new Dictionary<string, string> { ["path"] = spec.Path },
        })];
    }

    private void CheckThresholdScenarios(List<Scenario> scenarios)
    {
        foreach (var threshold in plan.Thresholds.Where(t => t.Scenario is not null))
        {
            if (!scenarios.Any(s => threshold.AppliesTo(s.Name)))
            {
                throw new ConfigurationException($"Threshold '{threshold.Expression}' names scenario '{threshold.Scenario}', which this run does not have. It has: {string.Join(", ", scenarios.Select(s => s.Name))}.");
            }
        }
    }

    private IReadOnlyList<(string Name, Uri MetricsUrl)> ScrapeTargets(Uri target) =>
        plan.Scrape.Count > 0
            ? [.. plan.Scrape.Select(u => (u.Authority + (u.AbsolutePath == "/metrics" ? "" : u.AbsolutePath), u))]
            : [("target", new Uri(target, "/metrics"))];

    /// <summary>Fails fast, saying what to start, when nothing answers at the target.</summary>
    private static async Task PreflightAsync(Uri target, bool harnessStack, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(3) }) { Timeout = TimeSpan.FromSeconds(5) };
        var probe = harnessStack ? new Uri(target, "/health/ready") : target;
        try
        {
            using var response = await client.GetAsync(probe, cancellationToken).ConfigureAwait(false);
            if (harnessStack && !response.IsSuccessStatusCode)
            {
                throw new TargetUnavailableException($"{probe} answered {(int)response.StatusCode}: the stack is up but not ready. Wait for it (docker compose ps shows health), then run again.");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new TargetUnavailableException(
                $"Nothing answers at {target} ({ErrorKinds.Of(ex)}: {ex.Message}). Start the stack first (docker compose up -d, or dotnet run --project src/Gateway with TargetApp behind it), or run without --target to let LoadTests start its own services.");
        }
    }

    private int Outcome(RunResult result)
    {
        if (result.StopReason == "interrupted")
        {
            return ExitCodes.Interrupted;
        }

        if (result.StopReason.StartsWith("target went away", StringComparison.Ordinal) || result.StopReason.StartsWith("failed", StringComparison.Ordinal))
        {
            return ExitCodes.TargetUnavailable;
        }

        return result.Thresholds.Any(t => !t.Passed) || result.StopReason.StartsWith("threshold", StringComparison.Ordinal)
            ? ExitCodes.ThresholdsFailed
            : ExitCodes.Ok;
    }

    private static void PrintSummary(IAnsiConsole console, RunResult result, string directory)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Rounded).Title($"{result.Suite}: {(result.Completed ? "completed" : "stopped early: " + result.StopReason)}");
        foreach (var column in (string[])["scenario", "requests", "ok req/s", "mean", "p50", "p99", "max", "failed", "dropped"])
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var s in result.Scenarios)
        {
            var st = s.Stats;
            table.AddRow(
                Markup.Escape(s.Name),
                st.Count.ToString(c),
                st.OkRps.ToString("0.##", c),
                Analyzer.Seconds(st.Latency.Mean),
                Analyzer.Seconds(st.Latency.P50),
                Analyzer.Seconds(st.Latency.P99),
                Analyzer.Seconds(st.Latency.Max),
                st.Fail > 0 ? $"[red]{st.Fail}[/]" : "0",
                st.Dropped.ToString(c));
        }

        console.Write(table);
        if (result.Analysis is { Headline.Length: > 0 } analysis)
        {
            console.MarkupLine($"[bold]{Markup.Escape(analysis.Headline)}[/]");
        }

        foreach (var t in result.Thresholds.Where(t => !t.Passed))
        {
            console.MarkupLine($"[red]threshold failed:[/] {Markup.Escape(t.Scenario)}: {Markup.Escape(t.Expression)} (was {t.Actual.ToString("0.####", c)})");
        }

        foreach (var w in result.Warnings)
        {
            console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        }

        console.MarkupLine($"Report: [link]{Markup.Escape(Path.GetFullPath(Path.Combine(directory, "index.html")))}[/]");
    }

    private static Fingerprint Fingerprint(Uri target, string commandLine, bool embedded) => new()
    {
        Machine = Environment.MachineName,
        Os = RuntimeInformation.OSDescription,
        Cores = Environment.ProcessorCount,
        Dotnet = RuntimeInformation.FrameworkDescription,
        Gc = (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? ", non-concurrent" : ", concurrent") + " (load generator)",
        Commit = Commit(),
        Target = embedded ? $"embedded stack, gateway at {target}" : target.ToString(),
        CommandLine = commandLine,
    };

    /// <summary>The checkout's commit, read from .git without running git (or HARNESS_COMMIT in a container).</summary>
    private static string Commit()
    {
        if (Environment.GetEnvironmentVariable("HARNESS_COMMIT") is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        try
        {
            if (ServiceBinary.FindRepositoryRoot() is not { } root || !File.Exists(Path.Combine(root, ".git", "HEAD")))
            {
                return "unknown";
            }

            var head = File.ReadAllText(Path.Combine(root, ".git", "HEAD")).Trim();
            if (!head.StartsWith("ref: ", StringComparison.Ordinal))
            {
                return head[..Math.Min(12, head.Length)];
            }

            var reference = head[5..];
            var loose = Path.Combine(root, ".git", reference);
            if (File.Exists(loose))
            {
                return File.ReadAllText(loose).Trim()[..12];
            }

            var packed = Path.Combine(root, ".git", "packed-refs");
            return File.Exists(packed)
                ? File.ReadLines(packed).FirstOrDefault(l => l.EndsWith(" " + reference, StringComparison.Ordinal))?[..12] ?? "unknown"
                : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private sealed class Observers(params IRunObserver?[] observers) : IRunObserver
    {
        private readonly IRunObserver[] _observers = [.. observers.OfType<IRunObserver>()];

        public void OnScenarioStarting(Scenario scenario)
        {
            foreach (var o in _observers)
            {
                o.OnScenarioStarting(scenario);
            }
        }

        public void OnTick(RunTick tick)
        {
            foreach (var o in _observers)
            {
                o.OnTick(tick);
            }
        }

        public void OnWarning(string message)
        {
            foreach (var o in _observers)
            {
                o.OnWarning(message);
            }
        }
    }
}

/// <summary>The target is not there; the message says what to start.</summary>
public sealed class TargetUnavailableException(string message) : Exception(message);
