using Harness.Load;

namespace Harness.LoadTests.Cli;

/// <summary>What the process's exit code says about the run.</summary>
public static class ExitCodes
{
    /// <summary>The run completed (or reached its time limit) and every threshold held.</summary>
    public const int Ok = 0;

    /// <summary>At least one threshold failed (at the end, or during the run with --abort-on-threshold).</summary>
    public const int ThresholdsFailed = 1;

    /// <summary>Bad command line or scenarios file; nothing was run.</summary>
    public const int BadConfiguration = 2;

    /// <summary>The target could not be reached or started, or went away during the run.</summary>
    public const int TargetUnavailable = 3;

    /// <summary>A comparison found a regression beyond the runs' noise.</summary>
    public const int Regression = 4;

    /// <summary>Interrupted (Ctrl+C, SIGTERM); what was measured was still written.</summary>
    public const int Interrupted = 130;

    /// <summary>What a finished run's exit code is: how it stopped first, then its thresholds.</summary>
    public static int Of(RunResult result)
    {
        if (result.StopReason == "interrupted")
        {
            return Interrupted;
        }

        if (result.StopReason.StartsWith("target went away", StringComparison.Ordinal) || result.StopReason.StartsWith("failed", StringComparison.Ordinal))
        {
            return TargetUnavailable;
        }

        return result.ExitCode != 0 ? ThresholdsFailed : Ok;
    }
}
