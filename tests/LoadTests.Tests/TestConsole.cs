using Spectre.Console;

namespace LoadTests.Tests;

/// <summary>The console a test hands the CLI: what it prints goes to a writer, as redirected output sees it (no ANSI, no colours, not interactive).</summary>
internal static class TestConsole
{
    /// <param name="width">Columns, where a test reads printed lines that must not wrap; the default otherwise.</param>
    public static IAnsiConsole Writing(TextWriter printed, int? width = null)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(printed),
        });
        if (width is { } columns)
        {
            console.Profile.Width = columns;
        }

        return console;
    }

    /// <summary>A console whose output nobody reads.</summary>
    public static IAnsiConsole Quiet() => Writing(new StringWriter());
}
