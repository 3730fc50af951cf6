using Harness.Hosting;

namespace LoadTests.Tests;

/// <summary>The compose file as Debian's docker-compose reads it (<c>apt-get install docker-compose</c>); no images are pulled.</summary>
public sealed class StackConfigTests
{
    private static string Repository => ServiceBinary.FindRepositoryRoot() ?? throw new InvalidOperationException("Harness.sln not found.");

    [Fact]
    public async Task ComposeFile_IsValid_PinsItsImages_AndChecksEveryServicesHealth()
    {
        var compose = File.Exists("/usr/bin/docker-compose") ? "/usr/bin/docker-compose" : throw new InvalidOperationException("docker-compose is needed for this test: apt-get install docker-compose");
        var (code, resolved, stderr) = await Tools.RunAsync(compose, Repository, "--profile", "load", "config");
        Assert.True(code == 0, stderr);

        var images = resolved.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("image:", StringComparison.Ordinal)).Select(l => l["image:".Length..].Trim()).ToList();
        Assert.Equal(7, images.Count);
        Assert.All(images, image => Assert.Matches(@"^[\w./-]+:[\w.-]+$", image));
        Assert.DoesNotContain(images, image => image.EndsWith(":latest", StringComparison.Ordinal));
        Assert.Contains("prom/prometheus:v3.5.0", images);

        // Every long-running service has a healthcheck, and the gateway waits for healthy replicas.
        Assert.Equal(6, resolved.Split('\n').Count(l => l.Trim() == "healthcheck:"));
        Assert.Contains("condition: service_healthy", resolved, StringComparison.Ordinal);
        Assert.Contains("/etc/prometheus/prometheus.yml:ro", resolved.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);

        // The load engine's fixed options are in its entrypoint, so `run loadtests --suite x` adds to them.
        var at = resolved.IndexOf("entrypoint:", StringComparison.Ordinal);
        Assert.True(at >= 0, "the loadtests service has no entrypoint");
        var entrypoint = resolved[at..];
        Assert.Contains("--target=http://gateway:8080", entrypoint[..entrypoint.IndexOf("image:", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    /// <summary>
    /// The Dockerfile's build stage for every image, run here without Docker: a restore-and-publish
    /// that fails (two projects' files landing on the same path, say) fails every image build.
    /// </summary>
    [Fact]
    public async Task EveryImagesPublishStep_Succeeds_AndLeavesItsEntryAssembly()
    {
        var output = Directory.CreateTempSubdirectory("harness-publish-");
        try
        {
            foreach (var project in (string[])["TargetApp", "Gateway", "LoadTests"])
            {
                var folder = Path.Combine(output.FullName, project);
                var (code, stdout, stderr) = await Tools.RunAsync(
                    "dotnet", Repository, "publish", $"src/{project}/{project}.csproj", "-c", "Release", "-o", folder, "-p:UseAppHost=false", "-nologo", "-nodeReuse:false", "--disable-build-servers");
                Assert.True(code == 0, $"dotnet publish {project} (the Dockerfile's build step) failed:\n{stdout}\n{stderr}");
                Assert.True(File.Exists(Path.Combine(folder, project + ".dll")), $"{project}.dll is missing from the published folder: the image's entry point would not start");
                Assert.True(File.Exists(Path.Combine(folder, project + ".runtimeconfig.json")));
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
