using System.Globalization;
using Harness.Load;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Harness.LoadTests.Cli;

/// <summary>
/// The run as it happens: on a terminal, a progress bar with the time left and a live table per
/// scenario; when output is redirected (CI, docker logs), a plain line every few seconds.
/// </summary>
public sealed class ConsoleView : IRunObserver
{
    private const double PlainEverySeconds = 5;

    private readonly IAnsiConsole _console;
    private readonly Lock _lock = new();
    private readonly List<string> _warnings = [];
    private readonly Dictionary<string, ScenarioTick> _latest = [];
    private LiveDisplayContext? _live;
    private double _lastPlain = double.NegativeInfinity;
    private string _title = "";

    public ConsoleView(IAnsiConsole console, bool interactive)
    {
        _console = console;
        Interactive = interactive;
    }

    public bool Interactive { get; }

    public IAnsiConsole Console => _console;

    /// <summary>Runs <paramref name="run"/> under the live display (or plainly), then prints the warnings it collected.</summary>
    public async Task<T> ShowAsync<T>(string title, Func<Task<T>> run)
    {
        _title = title;
        lock (_lock)
        {
            _latest.Clear();
        }

        if (!Interactive)
        {
            _console.MarkupLine($"[bold]{Markup.Escape(title)}[/]");
            return await run().ConfigureAwait(false);
        }

        T result = default!;
        await _console.Live(new Text($"{title}: starting…"))
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .StartAsync(async context =>
            {
                _live = context;
                try
                {
                    result = await run().ConfigureAwait(false);
                }
                finally
                {
                    _live = null;
                }
            }).ConfigureAwait(false);
        return result;
    }

    public void Info(string message)
    {
        if (_live is null)
        {
            _console.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
        }
    }

    public void OnScenarioStarting(ScenarioProps scenario)
    {
        if (!Interactive)
        {
            _console.WriteLine($"  → {scenario.Name}: {string.Join(", then ", scenario.Simulations)}{(scenario.WarmUp > TimeSpan.Zero ? $" (after {Durations.Format(scenario.WarmUp)} warm-up)" : "")}");
        }
    }

    public void OnWarning(string message)
    {
        lock (_lock)
        {
            _warnings.Add(message);
        }

        if (!Interactive)
        {
            _console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");
        }
    }

    public void OnTick(RunTick tick)
    {
        lock (_lock)
        {
            foreach (var scenario in tick.Scenarios)
            {
                _latest[scenario.Name] = scenario;
            }
        }

        if (Interactive)
        {
            _live?.UpdateTarget(Render(tick));
            return;
        }

        if (tick.Elapsed - _lastPlain < PlainEverySeconds && !tick.Scenarios.Any(s => s.Finished))
        {
            return;
        }

        _lastPlain = tick.Elapsed;
        foreach (var s in tick.Scenarios)
        {
            var stats = s.Interval.Stats;
            _console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  [{Clock(tick.Elapsed)}] {s.Name,-16} load {s.LoadLevel,7:0.##}  {stats.Rps,8:0.0} req/s  p50 {stats.Latency.P50,8:0.0} ms  p99 {stats.Latency.P99,8:0.0} ms  in flight {s.InFlight,5}  total {s.TotalCount} ({s.TotalFail} failed{(s.TotalDropped > 0 ? $", {s.TotalDropped} not sent: in-flight cap" : "")}){(s.Finished ? "  done" : "")}"));
        }
    }

    private IRenderable Render(RunTick tick)
    {
        var table = new Table().Border(TableBorder.Rounded).Expand();
        foreach (var column in (string[])["scenario", "load", "req/s", "p50 ms", "p99 ms", "in flight", "total", "failed", "not sent (cap)", ""])
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        lock (_lock)
        {
            foreach (var s in _latest.Values)
            {
                var stats = s.Interval.Stats;
                table.AddRow(
                    Markup.Escape(s.Name),
                    Number(s.LoadLevel),
                    Number(stats.Rps),
                    Number(stats.Latency.P50),
                    Number(stats.Latency.P99),
                    s.InFlight.ToString(CultureInfo.InvariantCulture),
                    s.TotalCount.ToString(CultureInfo.InvariantCulture),
                    s.TotalFail > 0 ? $"[red]{s.TotalFail}[/]" : "0",
                    s.TotalDropped > 0 ? $"[yellow]{s.TotalDropped}[/]" : "0",
                    s.Finished ? "[green]done[/]" : "[blue]running[/]");
            }
        }

        var rows = new List<IRenderable> { new Markup($"[bold]{Markup.Escape(_title)}[/]  {ProgressBar(tick)}") };
        rows.Add(table);
        rows.Add(new Markup(string.Create(CultureInfo.InvariantCulture, $"[grey]generator: CPU {tick.Generator.Cpu:P0} of the machine, GC pauses {tick.Generator.GcPauseFraction:P0}, pool queue {tick.Generator.PoolQueue}[/]")));
        lock (_lock)
        {
            rows.AddRange(_warnings.TakeLast(3).Select(w => new Markup($"[yellow]warning:[/] {Markup.Escape(w)}")));
        }

        return new Rows(rows);
    }

    private static string ProgressBar(RunTick tick)
    {
        if (tick.PlannedSeconds is not { } planned || planned <= 0)
        {
            return $"[grey]{Clock(tick.Elapsed)} elapsed[/]";
        }

        var fraction = Math.Clamp(tick.Elapsed / planned, 0, 1);
        const int width = 30;
        var filled = (int)Math.Round(fraction * width);
        var left = Math.Max(0, planned - tick.Elapsed);
        return $"[green]{new string('█', filled)}[/][grey]{new string('░', width - filled)}[/] {fraction:P0}  {Clock(tick.Elapsed)} elapsed, ~{Clock(left)} left";
    }

    private static string Number(double value) => value.ToString(value >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture);

    private static string Clock(double seconds) => TimeSpan.FromSeconds(seconds).ToString(@"mm\:ss", CultureInfo.InvariantCulture);
}
