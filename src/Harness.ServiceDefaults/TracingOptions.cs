using System.ComponentModel.DataAnnotations;

namespace Harness.ServiceDefaults;

/// <summary>
/// Head sampling of traces. Parent-based: a request that arrives with a <c>traceparent</c> is
/// recorded exactly when its caller recorded it (so a trace is whole or absent, never torn), and
/// only a request that starts a trace is sampled by <see cref="SampleRatio"/>. A load run records
/// a sample, not every request; the load engine marks the requests it wants to see as sampled.
/// </summary>
public sealed class TracingOptions
{
    public const string Section = "Tracing";

    /// <summary>The share of new traces recorded, 0 (none) to 1 (every request).</summary>
    [Range(0.0, 1.0, ErrorMessage = "Tracing:SampleRatio must be between 0 (record no new trace) and 1 (record every request); set Tracing__SampleRatio accordingly.")]
    public double SampleRatio { get; set; } = 0.1;
}
