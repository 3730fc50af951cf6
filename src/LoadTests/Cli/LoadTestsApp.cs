using System.CommandLine;
using System.CommandLine.Parsing;
using Harness.Hosting;
using Harness.Load;
using Harness.LoadTests.Telemetry;
using Spectre.Console;

namespace Harness.LoadTests.Cli;

/// <summary>The command line: every option documented in --help, errors that say what to change, exit codes that say what happened.</summary>
public static class LoadTestsApp
{
    public static async Task<int> RunAsync(string[] args, IAnsiConsole? console = null, CancellationToken cancellationToken = default, IRunObserver? observer = null)
    {
        console ??= AnsiConsole.Console;
        var interactive = console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
        if (Console.IsOutputRedirected && console == AnsiConsole.Console)
        {
            // Logs (CI, docker) have no width: do not wrap the progress lines at 80 columns.
            console.Profile.Width = 200;
        }

        var config = new Option<FileInfo?>("--config", "-c") { Description = "Scenarios JSON file (settings and/or scenarios of your own); options given here override it." };
        var suite = new Option<string?>("--suite", "-s") { Description = "seed | compare | starvation | all | custom. Default: compare (custom when --config has scenarios)." };
        var profile = new Option<string?>("--profile", "-p") { Description = "smoke (seconds) | default (a few minutes) | long: the size of the suite." };
        var target = new Option<string?>("--target", "-t") { Description = "Drive an existing stack at this URL (e.g. http://localhost:8080) instead of starting one." };
        var scrape = new Option<string[]>("--scrape") { Description = "A server /metrics URL to sample during the run (repeatable). Default: the embedded services, or <target>/metrics.", AllowMultipleArgumentsPerToken = false };
        var scenario = new Option<string[]>("--scenario") { Description = "Run only these scenarios (repeatable or comma-separated), e.g. --scenario async,sync." };
        var users = new Option<int?>("--users", "-u") { Description = "Concurrent users for compare (the ramp's top). Profile default: 50." };
        var n = new Option<int?>("--n") { Description = "Downstream calls per aggregation (1–100). Profile default: 10." };
        var delay = new Option<int?>("--delay-ms") { Description = "Delay of each downstream call, ms (0–60000). Profile default: 500 (seed: 1000)." };
        var warmUp = new Option<string?>("--warm-up") { Description = "Warm-up per scenario, not counted (e.g. 3s)." };
        var ramp = new Option<string?>("--ramp") { Description = "compare: time to ramp from 0 to --users (e.g. 10s)." };
        var hold = new Option<string?>("--hold") { Description = "compare: time at --users after the ramp (e.g. 20s)." };
        var steps = new Option<int[]>("--steps") { Description = "starvation: the concurrency steps, e.g. --steps 1 2 4 8 16 32 64.", AllowMultipleArgumentsPerToken = true };
        var stepDuration = new Option<string?>("--step-duration") { Description = "starvation: time at each step (e.g. 5s)." };
        var threshold = new Option<string[]>("--threshold") { Description = "Pass/fail condition (repeatable): 'p99 < 1.5s', 'fail_rate < 1%', 'async: rps > 900'. Any failure exits with 1." };
        var abort = new Option<bool?>("--abort-on-threshold") { Description = "Check thresholds every interval and stop at the first failure." };
        var output = new Option<string?>("--output", "-o") { Description = "Folder for reports (default: reports); each run writes <time>-<suite>/ in it." };
        var interval = new Option<string?>("--interval") { Description = "Reporting interval (default 1s)." };
        var timeLimit = new Option<string?>("--time-limit") { Description = "Stop after this long, whatever is left, and write what was measured." };
        var requestTimeout = new Option<string?>("--request-timeout") { Description = "Per-request timeout (default 60s)." };
        var drainTimeout = new Option<string?>("--drain-timeout") { Description = "How long requests still in flight at a scenario's end may take (default 15s)." };
        var noRestart = new Option<bool>("--no-restart") { Description = "Embedded run: keep the same services for every mode instead of fresh processes per mode." };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Expose the engine's own metrics for Prometheus on this port (/metrics)." };
        var metricsHost = new Option<string?>("--metrics-host") { Description = "Address for --metrics-port (default 127.0.0.1; 0.0.0.0 in containers)." };
        var plain = new Option<bool>("--plain") { Description = "Plain progress lines instead of the live table (automatic when output is redirected)." };

        var root = new RootCommand(
            "Harness load engine. With no options: starts TargetApp ×2, a downstream and the Gateway on loopback, runs the compare suite, " +
            "and writes reports/<time>-compare/ (index.html, summary.md, stats.csv, results.json). " +
            "Exit codes: 0 ok, 1 threshold failed, 2 bad configuration, 3 target unavailable, 4 regression (compare), 130 interrupted. " +
            $"Manual (in the repository): {DocsPages.Engine}; suites and profiles: {DocsPages.Suites}; scenario files and thresholds: {DocsPages.ScenarioFiles}; what each report shows: {DocsPages.Reports}.");
        foreach (var option in (Option[])[config, suite, profile, target, scrape, scenario, users, n, delay, warmUp, ramp, hold, steps, stepDuration, threshold, abort, output, interval, timeLimit, requestTimeout, drainTimeout, noRestart, metricsPort, metricsHost, plain])
        {
            root.Options.Add(option);
        }

        var baseline = new Argument<string>("baseline") { Description = "The baseline run's report folder (or its results.json)." };
        var candidate = new Argument<string>("candidate") { Description = "The candidate run's report folder (or its results.json)." };
        var compareOutput = new Option<string?>("--output", "-o") { Description = "Where to write the comparison (default: reports/<time>-comparison)." };
        var compare = new Command("compare", $"Compare two runs: both overlaid, differences flagged only where larger than the runs' own noise. Exit code 4 on a regression. How the noise is judged: {DocsPages.Comparing}.");
        compare.Arguments.Add(baseline);
        compare.Arguments.Add(candidate);
        compare.Options.Add(compareOutput);
        root.Subcommands.Add(compare);

        var runFolder = new Argument<string>("run") { Description = "A run's report folder (or its results.json)." };
        var render = new Command("render", "Write a run's index.html, summary.md and stats.csv again from its results.json (after an upgrade, say).");
        render.Arguments.Add(runFolder);
        root.Subcommands.Add(render);
        render.SetAction(_ => ExitCodes.Ok);

        // Both commands are executed below, after parsing; actions only mark them as runnable.
        root.SetAction(_ => ExitCodes.Ok);
        compare.SetAction(_ => ExitCodes.Ok);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(error.Message)}");
            }

            console.MarkupLine($"Run with --help to see every option; the manual is {DocsPages.Engine}.");
            return ExitCodes.BadConfiguration;
        }

        if (parse.Action is not null && parse.CommandResult.Command == root && (parse.Tokens.Any(t => t.Value is "--help" or "-h" or "-?" or "--version")))
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Profile.Out.Writer }, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (parse.CommandResult.Command == compare)
            {
                if (parse.Tokens.Any(t => t.Value is "--help" or "-h" or "-?"))
                {
                    return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Profile.Out.Writer }, cancellationToken).ConfigureAwait(false);
                }

                return CompareCommand.Execute(parse.GetValue(baseline)!, parse.GetValue(candidate)!, parse.GetValue(compareOutput), console);
            }

            if (parse.CommandResult.Command == render)
            {
                if (parse.Tokens.Any(t => t.Value is "--help" or "-h" or "-?"))
                {
                    return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Profile.Out.Writer }, cancellationToken).ConfigureAwait(false);
                }

                return RenderCommand.Execute(parse.GetValue(runFolder)!, console);
            }

            var file = parse.GetValue(config) is { } configFile ? ScenarioFile.Load(configFile.FullName) : null;
            var cli = new ScenarioFile
            {
                Suite = parse.GetValue(suite),
                Profile = parse.GetValue(profile),
                Target = parse.GetValue(target),
                Scrape = NullIfEmpty(parse.GetValue(scrape)),
                Scenario = NullIfEmpty(parse.GetValue(scenario)),
                Users = parse.GetValue(users),
                N = parse.GetValue(n),
                DelayMs = parse.GetValue(delay),
                WarmUp = parse.GetValue(warmUp),
                Ramp = parse.GetValue(ramp),
                Hold = parse.GetValue(hold),
                Steps = parse.GetValue(steps) is { Length: > 0 } s ? [.. s] : null,
                StepDuration = parse.GetValue(stepDuration),
                Thresholds = NullIfEmpty(parse.GetValue(threshold)),
                AbortOnThreshold = parse.GetValue(abort),
                Output = parse.GetValue(output),
                Interval = parse.GetValue(interval),
                TimeLimit = parse.GetValue(timeLimit),
                RequestTimeout = parse.GetValue(requestTimeout),
                DrainTimeout = parse.GetValue(drainTimeout),
                FreshServices = parse.GetValue(noRestart) ? false : null,
            };
            var plan = RunPlan.Resolve(file, cli);
            if (parse.GetValue(metricsPort) is { } port && (port < 1 || port > 65535))
            {
                throw new ConfigurationException($"--metrics-port: {port} is not a port (1–65535).");
            }

            var view = new ConsoleView(console, interactive && !parse.GetValue(plain));
            using var loadMetrics = new LoadMetrics();
            await using var metricsEndpoint = parse.GetValue(metricsPort) is { } metricsAt
                ? await MetricsEndpoint.StartAsync(parse.GetValue(metricsHost) ?? "127.0.0.1", metricsAt, cancellationToken).ConfigureAwait(false)
                : null;
            if (metricsEndpoint is not null)
            {
                view.Info($"engine metrics on {metricsEndpoint.Address}metrics");
            }

            var command = new RunCommand(plan, view, observer is null ? [loadMetrics] : [loadMetrics, observer]);
            try
            {
                return await command.ExecuteAsync("LoadTests " + string.Join(' ', args), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (metricsEndpoint is not null)
                {
                    // The run's last interval reaches Prometheus only if a scrape reads it before we exit.
                    await metricsEndpoint.HoldForFinalScrapeAsync(view.Info).ConfigureAwait(false);
                }
            }
        }
        catch (ConfigurationException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            console.MarkupLine($"Options, scenario files and thresholds are described in {DocsPages.ForConfigurationError(parse.CommandResult.Command == compare)}.");
            return ExitCodes.BadConfiguration;
        }
        catch (Exception ex) when (ex is TargetUnavailableException or ServiceStartException or FileNotFoundException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            if (ex is FileNotFoundException)
            {
                // Only the embedded run looks for service binaries: a published copy (a container) has none.
                console.MarkupLine("To drive a stack that is already running instead, pass --target http://host:port.");
            }

            return ExitCodes.TargetUnavailable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]Interrupted before anything was measured.[/]");
            return ExitCodes.Interrupted;
        }
    }

    private static List<string>? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? [.. values] : null;
}
