using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Harness.ServiceDefaults;

/// <summary>
/// Stops the service when the process that started it has gone (set <c>HARNESS_PARENT_PID</c>).
/// </summary>
/// <remarks>
/// The load engine and the tests start services as child processes. If the parent is killed
/// before it can stop them, they would keep their ports and their threads forever; this makes
/// every child end with its parent.
/// </remarks>
internal sealed partial class ParentProcessWatchdog(
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<ParentProcessWatchdog> logger) : BackgroundService
{
    public const string Variable = "HARNESS_PARENT_PID";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!int.TryParse(configuration[Variable], out int parentPid))
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!IsAlive(parentPid))
            {
                LogParentGone(logger, parentPid);
                lifetime.StopApplication();
                return;
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Parent process {Pid} has exited; stopping")]
    private static partial void LogParentGone(ILogger logger, int pid);
}
