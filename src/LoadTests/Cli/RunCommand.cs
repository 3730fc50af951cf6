using Harness.Load;
using Harness.LoadTests.Analysis;
using Harness.LoadTests.Stack;
using Harness.LoadTests.Suites;

namespace Harness.LoadTests.Cli;

/// <summary>Runs the planned suites, one after another, against the embedded stack or a given target, and writes a report per suite.</summary>
public sealed class RunCommand(RunPlan plan, ConsoleView view, IReadOnlyList<IRunObserver> observers)
{
    public string? LastReportDirectory { get; private set; }

    public async Task<int> ExecuteAsync(string commandLine, CancellationToken cancellationToken)
    {
        Preflight.CheckOutput(plan.Output);
        EmbeddedStack? stack = null;
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
                    await Preflight.CheckTargetAsync(target, suite != Suite.Custom, cancellationToken).ConfigureAwait(false);
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
        }

        return exitCode;
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
