using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Harness.Testing;

/// <summary>
/// A real Prometheus (<c>apt-get install prometheus</c>) as a child process on a loopback port,
/// with a config file and a data folder of the test's own; stopped, with its children, on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;

    private PrometheusServer(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    /// <summary>An HTTP client for the API (<c>/api/v1/…</c>).</summary>
    public HttpClient Client { get; }

    /// <summary>The path of a tool of the prometheus package, or an error saying what to install.</summary>
    public static string Tool(string name) =>
        File.Exists($"/usr/bin/{name}") ? $"/usr/bin/{name}" : throw new InvalidOperationException($"{name} is needed for this test: apt-get install prometheus");

    public static async Task<PrometheusServer> StartAsync(string configFile, string dataFolder, int port)
    {
        var start = new ProcessStartInfo(Tool("prometheus")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[$"--config.file={configFile}", $"--storage.tsdb.path={dataFolder}", $"--web.listen-address=127.0.0.1:{port}"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var log = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new PrometheusServer(process, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await WaitUntilReadyAsync(server.Address, TimeSpan.FromSeconds(30), () => Assert.False(process.HasExited, "Prometheus exited:\n" + string.Join("\n", log)));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>
    /// Waits until <c>/-/ready</c> at <paramref name="address"/> answers 200. A probe that gets no
    /// answer within <paramref name="probeTimeout"/> (2 s by default: Prometheus replaying its WAL
    /// on a busy machine) is retried like a refused one, until <paramref name="timeout"/>.
    /// </summary>
    public static async Task WaitUntilReadyAsync(Uri address, TimeSpan timeout, Action? stillRunning = null, TimeSpan? probeTimeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var lastProblem = "no answer yet";
        try
        {
            await Harness.Hosting.ReadinessProbe.WaitAsync(() => [address], "/-/ready", probeTimeout ?? TimeSpan.FromSeconds(2), deadline.Token, stillRunning, problem => lastProblem = problem);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Assert.Fail($"Timed out waiting for Prometheus to be ready after {timeout.TotalSeconds:0} s ({lastProblem}).");
        }
    }

    /// <summary>An instant query (at <paramref name="at"/>, or now): each series' labels and value; fails on a rejected query.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string query, DateTimeOffset? at = null)
    {
        var time = at is { } t ? $"&time={(t.ToUnixTimeMilliseconds() / 1000.0).ToString(CultureInfo.InvariantCulture)}" : "";
        using var response = await Client.GetAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}{time}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("status").GetString() == "success", $"Prometheus rejected {query}: {body.RootElement}");
        return [.. body.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(series => (
            (IReadOnlyDictionary<string, string>)series.GetProperty("metric").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!, StringComparer.Ordinal),
            double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }
}
