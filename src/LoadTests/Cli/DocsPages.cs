namespace Harness.LoadTests.Cli;

/// <summary>
/// Where a user reads on: the pages of the manual (docs/ in the repository) that --help and the
/// error messages name. Every one is checked to exist by DocsLinkTests.
/// </summary>
internal static class DocsPages
{
    public const string Engine = "docs/load-engine.md";

    public const string ScenarioFiles = "docs/load-engine.md#your-own-scenarios";

    public const string Suites = "docs/load-engine.md#suites-and-profiles";

    public const string Reports = "docs/load-engine.md#reports";

    public const string Comparing = "docs/load-engine.md#comparing-runs";

    public const string Distributed = "docs/load-engine.md#distributed-runs";

    /// <summary>The page for a bad-configuration message: scenario files and thresholds, or comparing runs.</summary>
    public static string ForConfigurationError(bool comparing) => comparing ? Comparing : ScenarioFiles;
}
