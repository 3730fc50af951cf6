namespace Harness.Load;

/// <summary>How the engine runs and measures, whatever the scenarios.</summary>
public sealed record EngineSettings
{
    /// <summary>Length of one reporting interval (the resolution of every chart).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long requests still in flight at the end may take before they are cancelled.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>An open-model request that leaves later than this after its intended start counts as late.</summary>
    public TimeSpan LateAfter { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Stop the whole run after this long, whatever is left (still writing what was measured).</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>
    /// Stop as soon as a threshold has failed for good (<see cref="Threshold.FailsForGood"/>: a count
    /// or the maximum past its bound), checked every interval; percentiles, means and rates can
    /// recover, so they are judged at the end only.
    /// </summary>
    public bool AbortOnThreshold { get; init; }

    /// <summary>Stop when every request of this many consecutive intervals failed to connect.</summary>
    public int TargetGoneAfterIntervals { get; init; } = 3;

    /// <summary>The share of every scenario's load this generator runs (<c>--segment I/N</c>); the whole by default.</summary>
    public Segment Segment { get; init; } = Segment.Whole;

    /// <summary>Start the load at this UTC time, not at once: N generators given the same time start together.</summary>
    public DateTimeOffset? StartAt { get; init; }

    /// <summary>Names the run the segments belong to, so <c>merge</c> can tell runs apart; null for an undivided run.</summary>
    public string? RunId { get; init; }
}
