using System.Diagnostics;
using Harness.Hosting;
using Harness.Testing;

namespace Observability.Tests;

/// <summary>The dashboard as a child process: found in its package, and gone when its parent is.</summary>
public sealed class DashboardProcessTests
{
    /// <summary>This project's machines are linux-x64, the one platform whose package is referenced.</summary>
    [Fact]
    public void TheExecutable_ComesFromTheRestoredPackage()
    {
        var path = AspireDashboard.ExecutablePath;
        Assert.True(path is not null, AspireDashboard.UnavailableReason);
        Assert.Contains(Path.Combine("aspire.dashboard.sdk.linux-x64", "13.6.5", "tools"), path, StringComparison.OrdinalIgnoreCase);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task WithoutAnExecutable_StartSaysWhy_AndReturnsNull()
    {
        var messages = new StringWriter();
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "Aspire.Dashboard");

        var dashboard = await AspireDashboard.StartAsync(new AspireDashboardOptions { ExecutablePath = missing }, messages);

        Assert.Null(dashboard);
        Assert.Contains("Aspire dashboard not started", messages.ToString(), StringComparison.Ordinal);
        Assert.Contains(missing, messages.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenItsParentDies_TheDashboardEnds()
    {
        using var parent = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        try
        {
            await using var dashboard = await AspireDashboard.StartAsync(new AspireDashboardOptions { ParentProcessId = parent.Id });
            Assert.NotNull(dashboard);
            var api = new Uri(dashboard.Url, "api/telemetry/resources");

            parent.Kill();
            await parent.WaitForExitAsync();

            // The guard looks every second and the dashboard then shuts down gracefully, which on
            // a busy machine can take a while; one that outlives its parent never ends at all.
            await Eventually.TrueAsync(() => dashboard.HasExited, "the dashboard to end with its parent", TimeSpan.FromSeconds(60));
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(api));
        }
        finally
        {
            if (!parent.HasExited)
            {
                parent.Kill();
            }
        }
    }
}
