using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Harness.Hosting;

/// <summary>
/// The .NET Aspire dashboard (traces, structured logs, metrics) as a child process on loopback
/// ports, from the <c>Aspire.Dashboard.Sdk.&lt;rid&gt;</c> NuGet package restored with this
/// project: no Docker, no download at run time. Services started with
/// <see cref="ExporterEnvironment"/> send it their OTLP; <see cref="Telemetry"/> reads it back.
/// </summary>
/// <remarks>
/// The dashboard is not a Harness service, so it cannot watch its parent itself: on Unix it runs
/// under a small shell guard that ends it within a second of this process's death, however that
/// comes (the services do the same with <c>HARNESS_PARENT_PID</c>).
/// </remarks>
public sealed partial class AspireDashboard : IAsyncDisposable
{
    /// <summary>An executable to run instead of the one from the package (another platform, another version).</summary>
    public const string PathVariable = "HARNESS_ASPIRE_DASHBOARD";

    // Runs the dashboard in the background and ends it when the parent (first argument) has gone;
    // SIGTERM to the guard is passed on, so stopping the guard stops the dashboard.
    private const string GuardScript = """
        parent=$1; shift
        "$@" &
        child=$!
        trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT
        while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
        kill -TERM "$child" 2>/dev/null
        wait "$child"
        """;

    private readonly Process _process;
    private readonly AspireDashboardOptions _options;
    private readonly ChildOutput _output;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Uri? _url;
    private Uri? _otlpHttp;
    private Uri? _otlpGrpc;
    private DashboardTelemetryClient? _telemetry;

    private AspireDashboard(AspireDashboardOptions options, Process process)
    {
        _options = options;
        _process = process;
        _output = new ChildOutput(options.LogFile);
    }

    /// <summary>
    /// The dashboard's executable: <c>HARNESS_ASPIRE_DASHBOARD</c>, else the one in the NuGet
    /// package this assembly was built with; null when neither exists (see <see cref="UnavailableReason"/>).
    /// </summary>
    public static string? ExecutablePath => Resolve().Path;

    /// <summary>Why <see cref="ExecutablePath"/> is null, in words a user can act on; null when it is not.</summary>
    public static string? UnavailableReason => Resolve().Reason;

    /// <summary>The UI and the telemetry API, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url => _url ?? throw new InvalidOperationException("The dashboard is not listening yet.");

    /// <summary>Where services send OTLP over HTTP (protobuf).</summary>
    public Uri OtlpHttpEndpoint => _otlpHttp ?? throw new InvalidOperationException("The dashboard is not listening yet.");

    /// <summary>Where services send OTLP over gRPC.</summary>
    public Uri OtlpGrpcEndpoint => _otlpGrpc ?? throw new InvalidOperationException("The dashboard is not listening yet.");

    /// <summary>Reads traces, spans and logs back through the dashboard's telemetry API.</summary>
    public DashboardTelemetryClient Telemetry => _telemetry ?? throw new InvalidOperationException("The dashboard is not listening yet.");

    /// <summary>The process started: the guard on Unix, the dashboard itself elsewhere.</summary>
    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the dashboard printed (stdout and stderr), oldest first.</summary>
    public IReadOnlyList<string> RecentOutput => _output.Recent;

    /// <summary>
    /// The standard OpenTelemetry variables that make a service export its traces, metrics and
    /// logs here, under <paramref name="serviceName"/> (the resource name in the dashboard).
    /// </summary>
    public IReadOnlyDictionary<string, string> ExporterEnvironment(string serviceName) => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = OtlpHttpEndpoint.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_SERVICE_NAME"] = serviceName,
    };

    /// <summary>
    /// Starts the dashboard and returns once its telemetry API answers; null, after saying why on
    /// <paramref name="messages"/>, when this platform has no dashboard package (the caller goes on without it).
    /// </summary>
    public static async Task<AspireDashboard?> StartAsync(
        AspireDashboardOptions? options = null, TextWriter? messages = null, CancellationToken cancellationToken = default)
    {
        options ??= new AspireDashboardOptions();
        var (executable, reason) = options.ExecutablePath is { } path
            ? (File.Exists(path) ? path : null, $"'{path}' does not exist.")
            : Resolve();
        if (executable is null)
        {
            (messages ?? Console.Error).WriteLine($"Aspire dashboard not started: {reason}");
            return null;
        }

        var startInfo = GuardedStart(executable, options.ParentProcessId ?? Environment.ProcessId);
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;
        startInfo.WorkingDirectory = Path.GetDirectoryName(executable)!;
        startInfo.Environment["ASPNETCORE_URLS"] = options.FrontendUrl;
        startInfo.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = options.OtlpHttpUrl;
        startInfo.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = options.OtlpGrpcUrl;

        // A local lab: no login for the UI, no API key for OTLP or for the telemetry API.
        startInfo.Environment["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        startInfo.Environment["Dashboard__Api__AuthMode"] = "Unsecured";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        // The dashboard exports nothing of its own: a service's OTLP settings must not loop back into it.
        foreach (var key in startInfo.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var dashboard = new AspireDashboard(options, process);
        process.OutputDataReceived += (_, e) => dashboard.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => dashboard.OnLine(e.Data);
        process.Exited += (_, _) => dashboard._listening.TrySetException(
            new ServiceStartException(dashboard.DescribeExit("before it listened")));

        if (!process.Start())
        {
            throw new ServiceStartException($"The Aspire dashboard ('{executable}') could not be started.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await dashboard.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            return dashboard;
        }
        catch
        {
            await dashboard.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static ProcessStartInfo GuardedStart(string executable, int parentProcessId)
    {
        if (OperatingSystem.IsWindows())
        {
            return new ProcessStartInfo(executable);
        }

        var startInfo = new ProcessStartInfo("/bin/sh");
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(GuardScript);
        startInfo.ArgumentList.Add("harness-dashboard-guard");
        startInfo.ArgumentList.Add(parentProcessId.ToString(CultureInfo.InvariantCulture));
        startInfo.ArgumentList.Add(executable);
        return startInfo;
    }

    private static (string? Path, string? Reason) Resolve()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? (System.IO.Path.GetFullPath(fromEnvironment), null)
                : (null, $"{PathVariable} points at '{fromEnvironment}', which does not exist.");
        }

        var fromPackage = typeof(AspireDashboard).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AspireDashboardPath")?.Value;
        if (string.IsNullOrEmpty(fromPackage))
        {
            return (null,
                $"no Aspire.Dashboard.Sdk package is referenced for this platform ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}); " +
                $"only linux-x64 is. Set {PathVariable} to a dashboard executable, or use the aspire-dashboard service of docker compose.");
        }

        return File.Exists(fromPackage)
            ? (fromPackage, null)
            : (null, $"the Aspire dashboard package was restored at build time, but '{fromPackage}' is missing now: run 'dotnet restore Harness.sln', or set {PathVariable}.");
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.StartTimeout);
        string lastProblem = "no answer yet";
        try
        {
            await _listening.Task.WaitAsync(deadline.Token).ConfigureAwait(false);

            // Ready when its telemetry API answers; a probe that times out on a slow start is
            // asked again (ReadinessProbe), as for every other service.
            await ReadinessProbe.WaitAsync(
                () => [Url],
                "/api/telemetry/resources",
                DashboardTelemetryClient.RequestTimeout,
                deadline.Token,
                beforeEachRound: () =>
                {
                    if (_process.HasExited)
                    {
                        throw new ServiceStartException(DescribeExit("before its telemetry API answered"));
                    }
                },
                onProblem: problem => lastProblem = problem).ConfigureAwait(false);
            _telemetry = new DashboardTelemetryClient(Url);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServiceStartException(Describe($"was not ready within {_options.StartTimeout.TotalSeconds:0} s ({lastProblem})"));
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Add(line);

        if (AddressLine().Match(line) is not { Success: true } match)
        {
            return;
        }

        var address = new Uri(match.Groups["url"].Value.TrimEnd('/') + "/");
        switch (match.Groups["what"].Value)
        {
            case "Now":
                _url ??= address;
                break;
            case "OTLP/HTTP":
                _otlpHttp ??= address;
                break;
            default:
                _otlpGrpc ??= address;
                break;
        }

        if (_url is not null && _otlpHttp is not null && _otlpGrpc is not null)
        {
            _listening.TrySetResult();
        }
    }

    /// <summary>Asks the dashboard to stop, then kills it if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            _ = NativeMethods.Kill(_process.Id, NativeMethods.SigTerm);
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile: nothing to end.
            }

            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        finally
        {
            _telemetry?.Dispose();
            _process.Dispose();
            _output.Dispose();
        }
    }

    private string DescribeExit(string when)
    {
        // Output arrives on other threads; only the parameterless WaitForExit waits for it to end.
        _process.WaitForExit();
        return Describe($"exited with code {_process.ExitCode} {when}");
    }

    private string Describe(string what)
    {
        var tail = RecentOutput.TakeLast(25).ToList();
        return $"The Aspire dashboard {what}." +
            (tail.Count == 0 ? " It printed nothing." : $" Its last output:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", tail));
    }

    [GeneratedRegex(@"(?<what>Now|OTLP/HTTP|OTLP/gRPC) listening on: (?<url>https?://\S+)")]
    private static partial Regex AddressLine();
}
