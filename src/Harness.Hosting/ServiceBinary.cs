namespace Harness.Hosting;

/// <summary>Finds the built assembly of a Harness service (TargetApp, Gateway) to run as a child process.</summary>
public static class ServiceBinary
{
#if DEBUG
    private const string OwnConfiguration = "Debug";
    private const string OtherConfiguration = "Release";
#else
    private const string OwnConfiguration = "Release";
    private const string OtherConfiguration = "Debug";
#endif

    /// <summary>
    /// Looks in order at <c>HARNESS_&lt;PROJECT&gt;_DLL</c>, a <c>services/&lt;project&gt;/</c> folder next
    /// to the running program (a published layout), and the project's build output in this
    /// checkout (same configuration as the caller first).
    /// </summary>
    public static string Locate(string project)
    {
        var variable = $"HARNESS_{project.ToUpperInvariant()}_DLL";
        var fromEnvironment = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? Path.GetFullPath(fromEnvironment)
                : throw new FileNotFoundException($"{variable} points at '{fromEnvironment}', which does not exist.");
        }

        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "services", project, project + ".dll") };
        if (FindRepositoryRoot() is { } root)
        {
            foreach (var configuration in (string[])[OwnConfiguration, OtherConfiguration])
            {
                candidates.Add(Path.Combine(root, "src", project, "bin", configuration, "net10.0", project + ".dll"));
            }
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"Could not find {project}.dll. Build the solution first (dotnet build Harness.sln), or set {variable} to its path. Looked in:{Environment.NewLine}  " +
                string.Join(Environment.NewLine + "  ", candidates));
    }

    /// <summary>The folder holding <c>Harness.sln</c>, found by walking up from the running program.</summary>
    public static string? FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Harness.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
