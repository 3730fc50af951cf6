using System.Text.Json;
using Harness.Load;
using Spectre.Console;

namespace Harness.LoadTests.Cli;

/// <summary><c>compare &lt;baseline&gt; &lt;candidate&gt;</c>: both runs overlaid, differences flagged only beyond noise.</summary>
internal static class CompareCommand
{
    public static int Execute(string baselinePath, string candidatePath, string? output, IAnsiConsole console)
    {
        var baseline = ReportWriter.Read(baselinePath);
        var candidate = ReportWriter.Read(candidatePath);
        var comparison = RunComparison.Compare(baseline, candidate, Name(baselinePath), Name(candidatePath));

        var directory = output ?? ReportWriter.NewRunDirectory("reports", "comparison", DateTimeOffset.UtcNow);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "comparison.json"), JsonSerializer.Serialize(comparison, ReportWriter.Json));
        File.WriteAllText(Path.Combine(directory, "comparison.md"), comparison.Markdown());
        File.WriteAllText(Path.Combine(directory, "index.html"), HtmlReport.RenderComparison(comparison, baseline, candidate));

        var table = new Table().Border(TableBorder.Rounded).Title("baseline → candidate");
        foreach (var column in (string[])["scenario", "metric", "baseline", "candidate", "change", "noise ±", "blocks", "verdict"])
        {
            table.AddColumn(column);
        }

        foreach (var d in comparison.Deltas)
        {
            var verdict = d.Verdict switch { "regression" => "[red]regression[/]", "improvement" => "[green]improvement[/]", _ => "[grey]within noise[/]" };
            table.AddRow(
                Markup.Escape(d.Scenario),
                Markup.Escape(d.Metric),
                d.Baseline.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
                d.Candidate.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
                d.Change is { } ch ? (ch * 100).ToString("+0.0;-0.0;0", System.Globalization.CultureInfo.InvariantCulture) + "%" : "–",
                RunComparison.NoiseText(d),
                Markup.Escape(d.Blocks),
                verdict);
        }

        console.Write(table);
        console.MarkupLine($"[grey]{Markup.Escape(RunComparison.NoiseRule)}[/]");
        foreach (var only in comparison.OnlyInOne)
        {
            console.MarkupLine($"[yellow]not compared:[/] {Markup.Escape(only)}");
        }

        console.MarkupLine(comparison.HasRegression ? "[red]Regression beyond the runs' noise.[/]" : "[green]No regression beyond the runs' noise.[/]");
        console.MarkupLine($"Comparison: [link]{Markup.Escape(Path.GetFullPath(Path.Combine(directory, "index.html")))}[/]");
        return comparison.HasRegression ? ExitCodes.Regression : ExitCodes.Ok;
    }

    private static string Name(string path) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!));
}
