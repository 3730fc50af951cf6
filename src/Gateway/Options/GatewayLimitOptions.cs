using System.ComponentModel.DataAnnotations;
using Harness.ServiceDefaults;

namespace Gateway.Options;

/// <summary>Overload protection: proxied requests in progress per route, beyond which the gateway answers 503 at once (<see cref="Proxy.RouteLimits"/>).</summary>
public sealed class GatewayLimitOptions : IConcurrencyLimitSettings
{
    public const string Section = "Limits";

    /// <summary>
    /// Requests in progress per route. High enough for 5,000 concurrent 1 s calls to <c>/api/</c>;
    /// a request beyond it is refused in microseconds instead of joining a queue that only grows.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Limits:MaxConcurrentRequests must be between 1 and 1000000; set Limits__MaxConcurrentRequests accordingly.")]
    public int MaxConcurrentRequests { get; set; } = 10_000;

    [Range(0, 100_000, ErrorMessage = "Limits:QueueLength must be between 0 and 100000; set Limits__QueueLength accordingly.")]
    public int QueueLength { get; set; }

    [Range(1, 3600, ErrorMessage = "Limits:RetryAfterSeconds must be between 1 and 3600; set Limits__RetryAfterSeconds accordingly.")]
    public int RetryAfterSeconds { get; set; } = 1;
}
