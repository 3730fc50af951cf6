using System.Diagnostics;

namespace Harness.Testing;

/// <summary>
/// Headless Chromium (<c>apt-get install chromium</c>) with every network request refused, so a
/// page must work from the file alone: what the DOM became after its scripts ran, and screenshots.
/// </summary>
public static class Chromium
{
    public static string Binary()
    {
        var configured = Environment.GetEnvironmentVariable("HARNESS_CHROMIUM");
        foreach (var candidate in new[] { configured, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Chromium is needed for the report's browser check: apt-get install chromium (or set HARNESS_CHROMIUM to a Chrome/Chromium binary).");
    }

    /// <summary>Runs Chromium on <paramref name="page"/> with <paramref name="action"/> (<c>--dump-dom</c>, <c>--screenshot=…</c>); returns what it printed and its log.</summary>
    public static async Task<(string Stdout, string Stderr)> RunAsync(string profileDirectory, string action, string page, params string[] extra)
    {
        var start = new ProcessStartInfo(Binary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", $"--user-data-dir={profileDirectory}",
                     // No network at all: every host resolves to nothing and any proxy is a closed port.
                     "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--no-first-run", "--enable-logging=stderr", "--v=0",
                     "--virtual-time-budget=5000", .. extra, action, new Uri(page).AbsoluteUri])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("Chromium did not finish within 60 s.");
        }

        return (await stdout, await stderr);
    }
}
