using Harness.Load;
using Harness.LoadTests.Analysis;
using Spectre.Console;

namespace Harness.LoadTests.Cli;

/// <summary><c>merge &lt;segment folder&gt;...</c>: the segments of a distributed run as one run, with its reports and thresholds.</summary>
internal static class MergeCommand
{
    public static int Execute(IReadOnlyList<string> folders, string? output, IReadOnlyList<string> thresholds, string commandLine, IAnsiConsole console)
    {
        var segments = folders.Select(ReportWriter.Read).ToList();
        var merged = RunMerge.Merge(segments, [.. folders.Select(Name)], thresholds.Select(Threshold.Parse));
        merged.Fingerprint.CommandLine = commandLine;
        merged.Analysis = Analyzer.Analyze(merged);

        var directory = output ?? ReportWriter.NewRunDirectory("reports", merged.Suite, merged.StartedAt);
        ReportWriter.WriteAll(merged, directory);
        console.MarkupLine($"merged {segments.Count} segments of run {Markup.Escape(merged.RunId ?? "(no id)")}: {string.Join(", ", merged.Generators.Select(g => $"{g.Segment} {g.Count} requests"))}");
        SummaryPrinter.Print(console, merged, directory);
        return merged.ExitCode != 0 ? ExitCodes.ThresholdsFailed : ExitCodes.Ok;
    }

    private static string Name(string path) => Path.TrimEndingDirectorySeparator(path);
}
