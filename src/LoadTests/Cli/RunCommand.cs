using Harness.Hosting;
using Harness.Load;
using Harness.LoadTests.Analysis;
using Harness.LoadTests.Stack;
using Harness.LoadTests.Suites;
using Harness.LoadTests.Telemetry;

namespace Harness.LoadTests.Cli;

/// <summary>
/// Runs the planned suites, one after another, against the embedded stack or a given target, and
/// writes a report per suite. With <c>keepDashboard</c>, the Aspire dashboard (<c>--dashboard</c>)
/// stays up after the run until Ctrl+C: only for a console someone is watching.
/// </summary>
public sealed class RunCommand(RunPlan plan, ConsoleView view, IReadOnlyList<IRunObserver> observers, bool keepDashboard = false)
{
    /// <summary>How long the report waits for the marked requests' spans to reach the dashboard.</summary>
    private static readonly TimeSpan TraceWait = TimeSpan.FromSeconds(20);

    public string? LastReportDirectory { get; private set; }

    public async Task<int> ExecuteAsync(string commandLine, CancellationToken cancellationToken)
    {
        Preflight.CheckOutput(plan.Output);
        EmbeddedStack? stack = null;
        AspireDashboard? dashboard = null;
        var exitCode = ExitCodes.Ok;
        try
        {
            foreach (var suite in plan.Suites)
            {
                var directory = ReportWriter.NewRunDirectory(plan.Output, suite, DateTimeOffset.UtcNow);
                LastReportDirectory = directory;
                Uri baseAddress;
                if (plan.Target is { } target)
                {
                    baseAddress = target;
                    await Preflight.CheckTargetAsync(target, suite != Suite.Custom, TargetVersions(suite), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    if (stack is null)
                    {
                        dashboard = plan.Dashboard ? await StartDashboardAsync(directory, cancellationToken).ConfigureAwait(false) : null;
                        var exporting = dashboard;
                        view.Info("starting the services (downstream, target-1, target-2, gateway) on loopback…");
                        stack = await EmbeddedStack.StartAsync(
                            Path.Combine(directory, "logs"),
                            view.Info,
                            cancellationToken,
                            exporting is null ? null : name => RequestTraces.ExportEnvironment(exporting, name)).ConfigureAwait(false);
                    }

                    baseAddress = stack.GatewayAddress;
                }

                using var http = new HttpTarget(baseAddress, plan.RequestTimeout);
                var currentStack = stack;
                var scenarios = Suite.Select(BuildScenarios(suite, http, FreshServicesPerMode(stack)), plan.ScenarioNames);
                var runner = HarnessRunner.RegisterScenarios([.. scenarios])
                    .WithTestName(suite)
                    .WithoutReports()
                    .WithEngineSettings(plan.Engine)
                    .WithThresholds(plan.Thresholds)
                    .WithServerMetrics(() => currentStack is not null ? currentStack.MetricsEndpoints : ScrapeTargets(baseAddress))
                    .WithObserver(new Observers([view, .. observers]));

                if (plan.Engine.StartAt is { } startAt)
                {
                    view.Info($"segment {plan.Engine.Segment} of run {plan.Engine.RunId ?? HarnessRunner.DefaultRunId(startAt)}: waiting until {startAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} to start (in {(startAt - DateTimeOffset.UtcNow).TotalSeconds:0.0} s)");
                }

                var result = await view.ShowAsync($"{suite} ({plan.Profile.Name} profile) → {baseAddress}", () => runner.RunAsync(cancellationToken)).ConfigureAwait(false);
                result.Settings = plan.Described;
                result.Fingerprint = RunFingerprint.Take(baseAddress, commandLine, currentStack is not null);
                result.ServiceLogs = currentStack?.LogDirectory;
                result.Analysis = Analyzer.Analyze(result);
                if (dashboard is not null && !dashboard.HasExited)
                {
                    view.Info("reading the marked requests' traces from the dashboard…");
                    await RequestTraces.AttachAsync(result, dashboard, TraceWait, view.Info, cancellationToken).ConfigureAwait(false);
                }

                ReportWriter.WriteAll(result, directory);
                SummaryPrinter.Print(view.Console, result, directory);

                exitCode = Math.Max(exitCode, ExitCodes.Of(result));
                if (exitCode is ExitCodes.Interrupted or ExitCodes.TargetUnavailable)
                {
                    break;
                }
            }
        }
        finally
        {
            if (stack is not null)
            {
                await stack.DisposeAsync().ConfigureAwait(false);
            }

            if (dashboard is not null)
            {
                await KeepDashboardAsync(dashboard, cancellationToken).ConfigureAwait(false);
                await dashboard.DisposeAsync().ConfigureAwait(false);
            }
        }

        return exitCode;
    }

    private async Task<AspireDashboard?> StartDashboardAsync(string directory, CancellationToken cancellationToken)
    {
        view.Info("starting the Aspire dashboard…");
        var messages = new StringWriter();
        var dashboard = await AspireDashboard.StartAsync(
            new AspireDashboardOptions { LogFile = Path.Combine(directory, "logs", "aspire-dashboard.log") }, messages, cancellationToken).ConfigureAwait(false);
        if (dashboard is null)
        {
            view.Info($"{messages.ToString().Trim()} The run goes on without it.");
            return null;
        }

        view.Info($"Aspire dashboard: {dashboard.Url} (traces, structured logs and metrics of every service)");
        return dashboard;
    }

    private async Task KeepDashboardAsync(AspireDashboard dashboard, CancellationToken cancellationToken)
    {
        if (!keepDashboard || cancellationToken.IsCancellationRequested || dashboard.HasExited)
        {
            return;
        }

        view.Info($"The Aspire dashboard stays up at {dashboard.Url} for you to look at the traces. Press Ctrl+C to stop it.");
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: what the user was asked to press.
        }
    }

    /// <summary>Embedded runs measure each mode on fresh processes: every scenario but the first restarts the stack before it starts.</summary>
    private Func<CancellationToken, Task>? FreshServicesPerMode(EmbeddedStack? stack)
    {
        if (stack is null || !plan.FreshServices)
        {
            return null;
        }

        var fresh = true;
        return async token =>
        {
            if (!fresh)
            {
                await stack.RestartAsync(token).ConfigureAwait(false);
            }

            fresh = false;
        };
    }

    /// <summary>The HTTP versions the suite's requests speak: the suites HTTP/1.1, a scenario file what its steps say.</summary>
    private List<Version> TargetVersions(string suite) =>
        suite == Suite.Custom
            ? [.. plan.CustomScenarios.SelectMany((spec, i) => spec.ToSteps($"scenarios[{i}]")).Select(step => step.Request.Version).Distinct().Order()]
            : [System.Net.HttpVersion.Version11];

    private List<ScenarioProps> BuildScenarios(string suite, HttpTarget http, Func<CancellationToken, Task>? beforeEach)
    {
        if (suite != Suite.Custom)
        {
            return Suite.Build(suite, plan.Profile, http, beforeEach);
        }

        return [.. plan.CustomScenarios.Select((spec, i) => HttpScenario.Create(spec.Name, http, spec.ToFeed($"scenarios[{i}]", plan.ScenarioFolder), [.. spec.ToSteps($"scenarios[{i}]")])
            .WithLoadSimulations([.. spec.Load.Select((load, j) => load.ToSimulation($"scenarios[{i}].load[{j}]"))])
            .WithWarmUpDuration(spec.WarmUp is null ? TimeSpan.Zero : Durations.Parse(spec.WarmUp, $"scenarios[{i}].warmUp"))
            .WithMaxInFlight(spec.MaxInFlight is > 0 and var cap ? cap : 10_000)
            .WithGroup(spec.Group ?? "")
            .WithLabels(Labels(spec)))];
    }

    private static Dictionary<string, string> Labels(ScenarioSpec spec)
    {
        var labels = new Dictionary<string, string> { ["path"] = spec.Path ?? string.Join(" ", spec.Steps!.Select(s => $"{s.Method.ToUpperInvariant()} {s.Path}")) };
        if (spec.Feed is not null)
        {
            labels["feed"] = $"{spec.Feed.File} ({spec.Feed.Strategy ?? "circular"})";
        }

        return labels;
    }

    private IReadOnlyList<(string Name, Uri MetricsUrl)> ScrapeTargets(Uri target) =>
        plan.Scrape.Count > 0
            ? [.. plan.Scrape.Select(u => (u.Authority + (u.AbsolutePath == "/metrics" ? "" : u.AbsolutePath), u))]
            : [("target", new Uri(target, "/metrics"))];
}
