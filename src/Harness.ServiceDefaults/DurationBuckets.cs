namespace Harness.ServiceDefaults;

/// <summary>
/// Histogram bucket boundaries, in seconds, for every request-duration instrument in the harness.
/// </summary>
/// <remarks>
/// OpenTelemetry's defaults stop at 10 s, but a sequential aggregation of ten 1 s calls takes
/// 10 s when idle and up to a minute under load, so its quantiles would all land in +Inf.
/// The boundaries are dense around 1 s (the seed's delay) so that "p99 ≤ 1.1 s" is answerable.
/// </remarks>
public static class DurationBuckets
{
    public static IReadOnlyList<double> Seconds { get; } =
    [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75,
        1, 1.01, 1.025, 1.05, 1.1, 1.25, 1.5, 2, 2.5, 5, 7.5,
        10, 10.5, 11, 12.5, 15, 20, 30, 45, 60, 90, 120,
    ];
}
