using System.ComponentModel.DataAnnotations;
using TargetApp.Apis;

namespace TargetApp.Options;

/// <summary>
/// Faults the slow endpoint <c>/api/</c> injects into its own answers: what a downstream that
/// misbehaves looks like to the aggregations. A request's <c>fault*</c> parameters override these.
/// </summary>
public sealed class FaultOptions
{
    public const string Section = "Faults";

    /// <summary>What goes wrong: None, Error (an error status), Slow (a long wait), Drop (the connection is cut).</summary>
    public FaultKind Kind { get; set; } = FaultKind.None;

    /// <summary>Share of calls that fail, from 0 to 1.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Faults:Ratio must be between 0 and 1; set Faults__Ratio accordingly (e.g. 0.05 for 5%).")]
    public double Ratio { get; set; } = 1.0;

    /// <summary>Status of an Error fault.</summary>
    [Range(400, 599, ErrorMessage = "Faults:Status must be an HTTP error status from 400 to 599; set Faults__Status accordingly.")]
    public int Status { get; set; } = 500;

    /// <summary>How long a Slow fault waits before answering (bounded by Api:MaxDelayMs).</summary>
    [Range(0, 600_000, ErrorMessage = "Faults:SlowDelayMs must be between 0 and 600000 ms; set Faults__SlowDelayMs accordingly.")]
    public int SlowDelayMs { get; set; } = 30_000;

    /// <summary>Whether requests may ask for faults with <c>fault=…</c>; turn off to allow configured faults only.</summary>
    public bool AllowFromQuery { get; set; } = true;
}
