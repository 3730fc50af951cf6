namespace Harness.Hosting;

/// <summary>How to start the Aspire dashboard as a child process.</summary>
public sealed record AspireDashboardOptions
{
    /// <summary>The UI and the telemetry API; port 0 lets the OS choose a free one, read back from the log.</summary>
    public string FrontendUrl { get; init; } = "http://127.0.0.1:0";

    /// <summary>OTLP over HTTP (protobuf or JSON), what <see cref="AspireDashboard.ExporterEnvironment"/> points services at.</summary>
    public string OtlpHttpUrl { get; init; } = "http://127.0.0.1:0";

    /// <summary>OTLP over gRPC, for exporters that only speak that.</summary>
    public string OtlpGrpcUrl { get; init; } = "http://127.0.0.1:0";

    /// <summary>How long to wait for its addresses and for the telemetry API to answer.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The dashboard executable; by default <see cref="AspireDashboard.ExecutablePath"/>.</summary>
    public string? ExecutablePath { get; init; }

    /// <summary>The process whose end ends the dashboard (Unix); by default the one that starts it.</summary>
    public int? ParentProcessId { get; init; }

    /// <summary>Copy every line the dashboard prints to this file (optional).</summary>
    public string? LogFile { get; init; }
}
