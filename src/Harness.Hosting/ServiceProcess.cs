using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Harness.Hosting;

/// <summary>
/// One Harness service running as a child process on a loopback port: started, waited for until
/// healthy, and stopped by its own PID (and nothing else).
/// </summary>
/// <remarks>
/// Child processes, not in-process hosts, wherever the thread pool must be the service's own:
/// starvation in a shared pool would starve the test or the load generator too.
/// </remarks>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ChildOutput _output;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Uri> _addresses = [];
    private Uri? _baseAddress;

    private ServiceProcess(ServiceProcessOptions options, Process process)
    {
        Options = options;
        _process = process;
        _output = new ChildOutput(options.LogFile);
    }

    public ServiceProcessOptions Options { get; }

    public string Name => Options.Name;

    public int ProcessId => _process.Id;

    /// <summary>
    /// The address that answered <c>/health/ready</c>, e.g. <c>http://127.0.0.1:41234/</c> (a
    /// service may listen on several, one of them HTTP/2 only).
    /// </summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException($"{Name} is not ready yet.");

    /// <summary>Every address Kestrel reported listening on.</summary>
    public IReadOnlyList<Uri> Addresses
    {
        get
        {
            lock (_addresses)
            {
                return [.. _addresses];
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the service printed (stdout and stderr), oldest first.</summary>
    public IReadOnlyList<string> RecentOutput => _output.Recent;

    /// <summary>Starts the service and returns once <c>/health/ready</c> answers 200.</summary>
    public static async Task<ServiceProcess> StartAsync(ServiceProcessOptions options, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(options.AssemblyPath))
        {
            throw new ServiceStartException($"{options.Name}: '{options.AssemblyPath}' does not exist. Build the solution first (dotnet build Harness.sln).");
        }

        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(options.AssemblyPath)!,
        };
        startInfo.ArgumentList.Add(options.AssemblyPath);
        startInfo.ArgumentList.Add("--urls");
        startInfo.ArgumentList.Add(options.Urls);

        // The address is read back from Kestrel's start-up line, so that line must be printed plainly.
        startInfo.Environment["Logging__Console__FormatterName"] = "simple";
        startInfo.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        startInfo.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        startInfo.Environment["HARNESS_PARENT_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in options.Environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var service = new ServiceProcess(options, process);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data);
        process.Exited += (_, _) => service._listening.TrySetException(
            new ServiceStartException(service.DescribeExit("before it listened")));

        if (!process.Start())
        {
            throw new ServiceStartException($"{options.Name}: 'dotnet' could not be started.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await service.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            return service;
        }
        catch
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Options.StartTimeout);
        try
        {
            await _listening.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServiceStartException(Describe($"did not report a listening address within {Options.StartTimeout.TotalSeconds:0} s"));
        }

        // A probe that times out (a slow machine, a service still warming up) is retried like a
        // refused one; only the overall deadline ends the wait.
        string lastProblem = "no answer yet";
        try
        {
            _baseAddress = await ReadinessProbe.WaitAsync(
                () => Addresses,
                "/health/ready",
                Options.ProbeTimeout,
                deadline.Token,
                beforeEachRound: () =>
                {
                    if (_process.HasExited)
                    {
                        throw new ServiceStartException(DescribeExit("before it was ready"));
                    }
                },
                onProblem: problem => lastProblem = problem).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServiceStartException(Describe($"was not ready within {Options.StartTimeout.TotalSeconds:0} s ({lastProblem})"));
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Add(line);

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            var address = new Uri(match.Groups["url"].Value.TrimEnd('/') + "/");
            lock (_addresses)
            {
                _addresses.Add(address);
            }

            _listening.TrySetResult(address);
        }
    }

    /// <summary>Asks the service to stop (SIGTERM), then kills it if it has not exited within <paramref name="grace"/>.</summary>
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
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Completes when the process has exited (after <see cref="Kill"/>, a SIGKILL still takes a while to tear down its sockets).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Ends the service at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited: nothing to end.
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
            _process.Dispose();
            _output.Dispose();
        }
    }

    /// <summary>Describes an exit once every line the process printed has been read.</summary>
    private string DescribeExit(string when)
    {
        // Output arrives on other threads; only the parameterless WaitForExit waits for it to end.
        _process.WaitForExit();
        return Describe($"exited with code {SafeExitCode(_process)} {when}");
    }

    private string Describe(string what)
    {
        var tail = RecentOutput.TakeLast(25).ToList();
        return $"{Name} ({Path.GetFileName(Options.AssemblyPath)}, pid {SafeId()}) {what}." +
            (tail.Count == 0 ? " It printed nothing." : $" Its last output:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", tail));
    }

    private string SafeId()
    {
        try
        {
            return _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>https?://\S+)")]
    private static partial Regex ListeningLine();

}
