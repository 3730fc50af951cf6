using System.ComponentModel.DataAnnotations;
using Harness.ServiceDefaults;

namespace TargetApp.Options;

/// <summary>
/// Overload protection: requests in progress per route. One more is refused at once with 503 and
/// <c>Retry-After</c>, so that far beyond capacity the app sheds load quickly with bounded memory
/// instead of queuing without end. Per route, so that a starving mode cannot use up the others' share.
/// </summary>
public sealed class LimitOptions : IConcurrencyLimitSettings
{
    public const string AggregationPolicy = "aggregation";
    public const string DownstreamPolicy = "downstream";

    public const string Section = "Limits";

    /// <summary>Aggregations in progress per mode.</summary>
    [Range(1, 100_000, ErrorMessage = "Limits:MaxConcurrentAggregations must be between 1 and 100000; set Limits__MaxConcurrentAggregations accordingly.")]
    public int MaxConcurrentAggregations { get; set; } = 2_000;

    /// <summary>Calls to the slow <c>/api/</c> in progress (each aggregation makes n of them).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Limits:MaxConcurrentDownstreamCalls must be between 1 and 1000000; set Limits__MaxConcurrentDownstreamCalls accordingly.")]
    public int MaxConcurrentDownstreamCalls { get; set; } = 20_000;

    /// <summary>Requests that may wait for a slot before being refused; 0 refuses at once.</summary>
    [Range(0, 100_000, ErrorMessage = "Limits:QueueLength must be between 0 and 100000; set Limits__QueueLength accordingly.")]
    public int QueueLength { get; set; }

    /// <summary>Seconds a refused client is asked to wait (the Retry-After header).</summary>
    [Range(1, 3600, ErrorMessage = "Limits:RetryAfterSeconds must be between 1 and 3600; set Limits__RetryAfterSeconds accordingly.")]
    public int RetryAfterSeconds { get; set; } = 1;
}
