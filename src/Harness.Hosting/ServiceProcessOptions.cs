namespace Harness.Hosting;

/// <summary>How to start one Harness service as a child process.</summary>
public sealed record ServiceProcessOptions
{
    /// <summary>A short name for messages and log files ("target-1", "gateway").</summary>
    public required string Name { get; init; }

    /// <summary>The service's built assembly, e.g. from <see cref="ServiceBinary.Locate"/>.</summary>
    public required string AssemblyPath { get; init; }

    /// <summary>Configuration passed as environment variables (<c>Section__Key</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Where Kestrel listens; port 0 lets the OS choose a free one, read back from the log.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:0";

    /// <summary>How long to wait for the port and for <c>/health/ready</c>.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one <c>/health/ready</c> probe may take; one that takes longer is retried until
    /// <see cref="StartTimeout"/>, not taken as a failure.
    /// </summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Copy every line the service prints to this file (optional).</summary>
    public string? LogFile { get; init; }
}
