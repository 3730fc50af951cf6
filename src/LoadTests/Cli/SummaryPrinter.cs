using System.Globalization;
using Harness.Load;
using Spectre.Console;

namespace Harness.LoadTests.Cli;

/// <summary>The table printed after each suite: a row per scenario and per step, the headline, failed thresholds, warnings, where the report is.</summary>
internal static class SummaryPrinter
{
    public static void Print(IAnsiConsole console, RunResult result, string directory)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Rounded).Title($"{result.Suite}: {(result.Completed ? "completed" : "stopped early: " + result.StopReason)}");
        foreach (var column in (string[])["scenario", "requests", "ok req/s", "mean", "p50", "p99", "max", "failed", "not sent (cap)", "unfinished"])
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var s in result.Scenarios)
        {
            AddRow(Markup.Escape(s.Name), s.Stats);
            foreach (var step in s.Steps)
            {
                AddRow("[grey]  " + Markup.Escape(step.Name) + "[/]", step.Stats);
            }
        }

        console.Write(table);
        if (ReportWriter.DrainLine(result) is { } drain)
        {
            console.MarkupLine($"[grey]{Markup.Escape(drain)}.[/]");
        }

        foreach (var s in result.Scenarios.Where(s => s.Stats.Dropped > 0 || s.Stats.Unfinished > 0))
        {
            console.MarkupLine($"[yellow]{Markup.Escape(s.Name)}:[/] {Markup.Escape(ReportWriter.NotOk(s.Stats))}");
        }

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

        void AddRow(string name, StatsBlock st) => table.AddRow(
            name,
            st.Count.ToString(c),
            st.OkRps.ToString("0.##", c),
            ReportWriter.Seconds(st.Latency.Mean),
            ReportWriter.Seconds(st.Latency.P50),
            ReportWriter.Seconds(st.Latency.P99),
            ReportWriter.Seconds(st.Latency.Max),
            st.Fail > 0 ? $"[red]{st.Fail}[/]" : "0",
            st.Dropped.ToString(c),
            st.Unfinished.ToString(c));
    }
}
