using System.Diagnostics;
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
        var start = new ProcessStartInfo(compose) { WorkingDirectory = Repository, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["--profile", "load", "config"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var resolved = await stdout;
        Assert.True(process.ExitCode == 0, await stderr);

        var images = resolved.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("image:", StringComparison.Ordinal)).Select(l => l["image:".Length..].Trim()).ToList();
        Assert.Equal(7, images.Count);
        Assert.All(images, image => Assert.Matches(@"^[\w./-]+:[\w.-]+$", image));
        Assert.DoesNotContain(images, image => image.EndsWith(":latest", StringComparison.Ordinal));
        Assert.Contains("prom/prometheus:v3.5.0", images);

        // Every long-running service has a healthcheck, and the gateway waits for healthy replicas.
        Assert.Equal(6, resolved.Split('\n').Count(l => l.Trim() == "healthcheck:"));
        Assert.Contains("condition: service_healthy", resolved, StringComparison.Ordinal);
        Assert.Contains("/etc/prometheus/prometheus.yml:ro", resolved.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
