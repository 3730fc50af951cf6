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

        var syntax = new CommandLineSyntax();
        var root = syntax.Root;
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(Readable(error.Message))}");
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
            if (parse.CommandResult.Command == syntax.Compare)
            {
                if (parse.Tokens.Any(t => t.Value is "--help" or "-h" or "-?"))
                {
                    return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Profile.Out.Writer }, cancellationToken).ConfigureAwait(false);
                }

                return CompareCommand.Execute(parse.GetValue(syntax.Baseline)!, parse.GetValue(syntax.Candidate)!, parse.GetValue(syntax.CompareOutput), console);
            }

            if (parse.CommandResult.Command == syntax.Render)
            {
                if (parse.Tokens.Any(t => t.Value is "--help" or "-h" or "-?"))
                {
                    return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Profile.Out.Writer }, cancellationToken).ConfigureAwait(false);
                }

                return RenderCommand.Execute(parse.GetValue(syntax.RunFolder)!, console);
            }

            if (parse.CommandResult.Command == syntax.Merge)
            {
                if (parse.Tokens.Any(t => t.Value is "--help" or "-h" or "-?"))
                {
                    return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Profile.Out.Writer }, cancellationToken).ConfigureAwait(false);
                }

                return MergeCommand.Execute(parse.GetValue(syntax.MergeFolders) ?? [], parse.GetValue(syntax.MergeOutput), parse.GetValue(syntax.MergeThreshold) ?? [], "LoadTests " + string.Join(' ', args), console);
            }

            var file = parse.GetValue(syntax.Config) is { } configFile ? ScenarioFile.Load(configFile.FullName) : null;
            var cli = syntax.ToScenarioFile(parse);
            var plan = RunPlan.Resolve(file, cli);
            if (parse.GetValue(syntax.MetricsPort) is { } port && (port < 1 || port > 65535))
            {
                throw new ConfigurationException($"--metrics-port: {port} is not a port (1–65535).");
            }

            var view = new ConsoleView(console, interactive && !parse.GetValue(syntax.Plain));
            using var loadMetrics = new LoadMetrics();
            await using var metricsEndpoint = parse.GetValue(syntax.MetricsPort) is { } metricsAt
                ? await MetricsEndpoint.StartAsync(parse.GetValue(syntax.MetricsHost) ?? "127.0.0.1", metricsAt, cancellationToken).ConfigureAwait(false)
                : null;
            if (metricsEndpoint is not null)
            {
                view.Info($"engine metrics on {metricsEndpoint.Address}metrics");
            }

            var command = new RunCommand(plan, view, observer is null ? [loadMetrics] : [loadMetrics, observer], keepDashboard: interactive && !Console.IsInputRedirected);
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
            console.MarkupLine($"Options, scenario files and thresholds are described in {(parse.CommandResult.Command == syntax.Merge ? DocsPages.Distributed : DocsPages.ForConfigurationError(parse.CommandResult.Command == syntax.Compare))}.");
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

    /// <summary>The parser's type errors in the user's words: "--users: 'x' is not a whole number", not a .NET type name.</summary>
    internal static string Readable(string parserMessage)
    {
        var match = System.Text.RegularExpressions.Regex.Match(parserMessage, "^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'");
        if (!match.Success)
        {
            return parserMessage;
        }

        var type = match.Groups["type"].Value;
        var expected = type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Double", StringComparison.Ordinal) ? "a number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "a valid value";
        return $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {expected}.";
    }
}
