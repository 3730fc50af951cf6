using System.Reflection;

namespace Harness.Load.Tests;

/// <summary>The library stays a library: what it references is the engine's own, never the application's.</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void HarnessLoad_ReferencesNeitherAspNetCoreNorTheCliNorTheApplication()
    {
        var references = typeof(HarnessRunner).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        string[] forbidden = ["Microsoft.AspNetCore", "Spectre", "System.CommandLine", "LoadTests", "TargetApp", "Gateway", "Harness.Hosting", "Harness.ServiceDefaults", "OpenTelemetry"];
        Assert.DoesNotContain(references, r => forbidden.Any(f => r == f || r.StartsWith(f + ".", StringComparison.Ordinal)));
        Assert.Contains("HdrHistogram", references);
    }

    [Fact]
    public void HarnessLoad_PublicTypes_LiveInTheOneNamespace()
    {
        var namespaces = typeof(HarnessRunner).Assembly.GetExportedTypes().Select(t => t.Namespace).Distinct().ToList();

        Assert.Equal(["Harness.Load"], namespaces);
    }
}
