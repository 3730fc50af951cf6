using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TargetApp.Aggregation;
using TargetApp.Diagnostics;

namespace TargetApp.Apis;

/// <summary>
/// One route per aggregation mode, so that every metric keeps the modes apart. Each takes
/// <c>n</c> (calls) and <c>delay_ms</c> (passed to the downstream); a failed call makes the
/// answer 502 with the failure listed in place.
/// </summary>
public static class AggregationApi
{
    /// <summary>What every aggregation handler is given.</summary>
    public readonly record struct AggregationRequest(
        HttpRequest Http,
        Aggregator Aggregator,
        FanOutReader Reader,
        TargetAppTelemetry Telemetry,
        BlockingWarnings Warnings,
        CancellationToken CancellationToken);

    public static RouteGroupBuilder MapAggregationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Aggregation");

        api.MapGet("/aggregated/", AggregateAsync)
            .WithName("AggregateAsync")
            .WithSummary("Async fan-out: n concurrent calls awaited with Task.WhenAll (the seed's asyncio.gather).");
        api.MapGet("/aggregated_sync/", AggregateSync)
            .WithName("AggregateSync")
            .WithSummary("ANTI-PATTERN demo: n sequential blocking calls on the request thread (the seed's sync loop).");
        api.MapGet("/aggregated_sync_over_async/", AggregateSyncOverAsync)
            .WithName("AggregateSyncOverAsync")
            .WithSummary("ANTI-PATTERN demo: async calls, then the request thread blocks on them (async_to_sync).");
        api.MapGet("/aggregated_threadpool/", AggregateOnThreadPool)
            .WithName("AggregateOnThreadPool")
            .WithSummary("ANTI-PATTERN demo under load: blocking calls in parallel on pool threads (Parallel.For).");
        api.MapGet("/aggregated_offload/", AggregateOffloaded)
            .WithName("AggregateOffloaded")
            .WithSummary("ANTI-PATTERN demo under load: each blocking call in Task.Run, awaited (sync_to_async, thread_sensitive=False).");
        api.MapGet("/aggregated_dedicated/", AggregateOnDedicatedThread)
            .WithName("AggregateOnDedicatedThread")
            .WithSummary("Blocking calls on one dedicated non-pool thread per request (sync_to_async, thread_sensitive=True).");
        return api;
    }

    public static Task<Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem>> AggregateAsync(
        [AsParameters] AggregationRequest request) =>
        RunAsync(AggregationMode.Async, request, request.Aggregator.FetchConcurrentlyAsync);

    /// <summary>ANTI-PATTERN, on purpose: a synchronous handler; the request's pool thread blocks on each call in turn.</summary>
    public static Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem> AggregateSync(
        [AsParameters] AggregationRequest request) =>
        Run(AggregationMode.Sync, request, request.Aggregator.FetchSequentially);

    /// <summary>ANTI-PATTERN, on purpose: a synchronous handler; the request's pool thread blocks until the async calls finish.</summary>
    public static Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem> AggregateSyncOverAsync(
        [AsParameters] AggregationRequest request) =>
        Run(AggregationMode.SyncOverAsync, request, request.Aggregator.FetchSyncOverAsync);

    /// <summary>ANTI-PATTERN under load, on purpose: a synchronous handler; the request's thread and up to n − 1 pool threads block.</summary>
    public static Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem> AggregateOnThreadPool(
        [AsParameters] AggregationRequest request) =>
        Run(AggregationMode.ThreadPool, request, request.Aggregator.FetchOnThreadPool);

    /// <summary>ANTI-PATTERN under load, on purpose: the request awaits, but each call blocks a pool thread.</summary>
    public static Task<Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem>> AggregateOffloaded(
        [AsParameters] AggregationRequest request) =>
        RunAsync(AggregationMode.Offload, request, request.Aggregator.FetchOffloadedAsync);

    public static Task<Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem>> AggregateOnDedicatedThread(
        [AsParameters] AggregationRequest request) =>
        RunAsync(AggregationMode.Dedicated, request, request.Aggregator.FetchOnDedicatedThreadAsync);

    private static async Task<Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem>> RunAsync(
        AggregationMode mode, AggregationRequest request, Func<FanOutRequest, CancellationToken, Task<FanOutResult>> fetch)
    {
        if (!request.Reader.TryRead(request.Http, out var fanOut, out var problem))
        {
            return problem!;
        }

        using var scope = request.Telemetry.StartAggregation(mode, fanOut.FanOut, fanOut.DelayMs);
        request.Warnings.Blocking(mode);
        var result = await fetch(fanOut, request.CancellationToken).ConfigureAwait(false);
        scope.Completed(result.Failed);
        return Reply(mode, result);
    }

    private static Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem> Run(
        AggregationMode mode, AggregationRequest request, Func<FanOutRequest, CancellationToken, FanOutResult> fetch)
    {
        if (!request.Reader.TryRead(request.Http, out var fanOut, out var problem))
        {
            return problem!;
        }

        using var scope = request.Telemetry.StartAggregation(mode, fanOut.FanOut, fanOut.DelayMs);
        request.Warnings.Blocking(mode);
        var result = fetch(fanOut, request.CancellationToken);
        scope.Completed(result.Failed);
        return Reply(mode, result);
    }

    private static Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem> Reply(AggregationMode mode, FanOutResult result)
    {
        var debug = string.Create(CultureInfo.InvariantCulture, $"fetch executed in {result.Elapsed.TotalSeconds:0.00} seconds.");
        var reply = mode == AggregationMode.Sync
            ? new AggregateReply("Hello Sync World!", null, result.Items, debug, mode.Tag(), result.Failed)
            : new AggregateReply(Greeting(mode), result.Items, null, debug, mode.Tag(), result.Failed);
        return result.Failed == 0
            ? TypedResults.Ok(reply)
            : TypedResults.Json(reply, statusCode: StatusCodes.Status502BadGateway);
    }

    private static string Greeting(AggregationMode mode) => mode switch
    {
        AggregationMode.Async => "Hello Async World",
        AggregationMode.SyncOverAsync => "Hello Sync-over-Async World",
        AggregationMode.ThreadPool => "Hello Thread-Pool World",
        AggregationMode.Offload => "Hello Offloaded World",
        AggregationMode.Dedicated => "Hello Dedicated-Thread World",
        _ => "Hello World",
    };
}
