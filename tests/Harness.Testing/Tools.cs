using System.Diagnostics;

namespace Harness.Testing;

/// <summary>Runs an external tool (promtool, docker-compose, dotnet) to completion and keeps what it printed.</summary>
public static class Tools
{
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string tool, string? workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
