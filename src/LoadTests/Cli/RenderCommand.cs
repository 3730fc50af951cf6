using Harness.Load;
using Harness.LoadTests.Analysis;
using Spectre.Console;

namespace Harness.LoadTests.Cli;

/// <summary><c>render &lt;run&gt;</c>: a run's index.html, summary.md and stats.csv written again from its results.json.</summary>
internal static class RenderCommand
{
    public static int Execute(string path, IAnsiConsole console)
    {
        var run = ReportWriter.Read(path);

        // The analysis is worked out again: a newer LoadTests may see more in the same figures.
        run.Analysis = Analyzer.Analyze(run);
        var directory = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        ReportWriter.WriteAll(run, directory);
        console.MarkupLine($"Report: [link]{Markup.Escape(Path.GetFullPath(Path.Combine(directory, "index.html")))}[/]");
        return ExitCodes.Ok;
    }
}
