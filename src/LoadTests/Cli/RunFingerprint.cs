using Harness.Load;

namespace Harness.LoadTests.Cli;

/// <summary>What a report records about where it was measured: this machine and process, the commit LoadTests was built from, the target.</summary>
internal static class RunFingerprint
{
    public static Fingerprint Take(Uri target, string commandLine, bool embedded)
    {
        var fingerprint = Fingerprint.OfThisProcess();
        fingerprint.Commit = Commit();
        fingerprint.Target = embedded ? $"embedded stack, gateway at {target}" : target.ToString();
        fingerprint.CommandLine = commandLine;
        return fingerprint;
    }

    /// <summary>
    /// The commit the build stamped into this assembly (the SDK's SourceRevisionId, read from git at
    /// build time, worktrees included); HARNESS_COMMIT wins, for images built without .git.
    /// </summary>
    public static string Commit() =>
        Environment.GetEnvironmentVariable("HARNESS_COMMIT") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Fingerprint.BuildCommit(typeof(RunFingerprint).Assembly) ?? "unknown";
}
