using System.Net;
using Harness.Load;

namespace Harness.LoadTests.Cli;

/// <summary>Checks, before any load, that the run can write its reports and that something answers at the target.</summary>
internal static class Preflight
{
    /// <summary>The report folder must be writable: a run that cannot write what it measured should not start.</summary>
    public static void CheckOutput(string output)
    {
        try
        {
            ReportWriter.EnsureWritable(output);
        }
        catch (ConfigurationException ex)
        {
            throw new ConfigurationException($"--output: {ex.Message} (pass --output with another folder).");
        }
    }

    /// <summary>
    /// Fails fast, saying what to start, when nothing answers at the target in any of the HTTP
    /// <paramref name="versions"/> the scenarios will speak (an h2c-only service refuses HTTP/1.1,
    /// a service without HTTP/2 refuses prior knowledge), each sent as the scenarios send it.
    /// </summary>
    public static async Task CheckTargetAsync(Uri target, bool harnessStack, IReadOnlyCollection<Version> versions, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(3) }) { Timeout = TimeSpan.FromSeconds(5) };
        var probe = harnessStack ? new Uri(target, "/health/ready") : target;
        foreach (var version in versions)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, probe) { Version = version, VersionPolicy = HttpRequestSpec.VersionPolicyFor(version) };
            try
            {
                using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (harnessStack && !response.IsSuccessStatusCode)
                {
                    throw new TargetUnavailableException($"{probe} answered {(int)response.StatusCode}: the stack is up but not ready. Wait for it (docker compose ps shows health), then run again.");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var asked = version == HttpVersion.Version20 ? $"; asked with HTTP/2{(target.Scheme == Uri.UriSchemeHttp ? " prior knowledge (h2c)" : "")}, as the scenarios' steps say" : "";
                throw new TargetUnavailableException(
                    $"Nothing answers at {target} ({ErrorKinds.Of(ex)}: {ex.Message}{asked}). Start the stack first (docker compose up -d, or dotnet run --project src/Gateway with TargetApp behind it), or run without --target to let LoadTests start its own services.");
            }
        }
    }
}

/// <summary>The target is not there; the message says what to start.</summary>
public sealed class TargetUnavailableException(string message) : Exception(message);
