namespace TargetApp.Aggregation;

/// <summary>One way of making the same n downstream calls; each has its own route and metric tag.</summary>
public enum AggregationMode
{
    Async,
    Sync,
    SyncOverAsync,
    ThreadPool,
    Offload,
    Dedicated,
}

public static class AggregationModes
{
    public static IReadOnlyList<AggregationMode> All { get; } = Enum.GetValues<AggregationMode>();

    /// <summary>The value of the <c>mode</c> metric tag and JSON field.</summary>
    public static string Tag(this AggregationMode mode) => mode switch
    {
        AggregationMode.Async => "async",
        AggregationMode.Sync => "sync",
        AggregationMode.SyncOverAsync => "sync_over_async",
        AggregationMode.ThreadPool => "threadpool",
        AggregationMode.Offload => "offload",
        AggregationMode.Dedicated => "dedicated",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>
    /// What a blocking mode holds while it waits, in the words of the warning it logs; null for
    /// the async mode, which holds no thread.
    /// </summary>
    public static string? Blocks(this AggregationMode mode) => mode switch
    {
        AggregationMode.Async => null,
        AggregationMode.Sync => "the request's pool thread, in synchronous I/O, for every call in turn (n × delay)",
        AggregationMode.SyncOverAsync => "the request's pool thread on async calls whose continuations need pool threads too (sync-over-async)",
        AggregationMode.ThreadPool => "the request's pool thread and one more pool thread per call in flight",
        AggregationMode.Offload => "one pool thread per call in flight (blocking calls inside Task.Run)",
        AggregationMode.Dedicated => "a whole OS thread per request, off the pool, for every call in turn (n × delay)",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>The route under <c>/api/</c>; the first two are the seed's own URLs.</summary>
    public static string Route(this AggregationMode mode) => mode switch
    {
        AggregationMode.Async => "/api/aggregated/",
        AggregationMode.Sync => "/api/aggregated_sync/",
        AggregationMode.SyncOverAsync => "/api/aggregated_sync_over_async/",
        AggregationMode.ThreadPool => "/api/aggregated_threadpool/",
        AggregationMode.Offload => "/api/aggregated_offload/",
        AggregationMode.Dedicated => "/api/aggregated_dedicated/",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };
}
