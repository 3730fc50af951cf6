using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TargetApp.Aggregation;
using TargetApp.Diagnostics;
using TargetApp.Options;

namespace TargetApp.Apis;

/// <summary>
/// One route per aggregation mode, so that every metric keeps the modes apart. Each takes
/// <c>n</c> (calls) and <c>delay_ms</c> (passed to the downstream); a failed call makes the
/// answer 502 with the failure listed in place.
/// </summary>
public static class AggregationApi
{
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
        HttpRequest request, Aggregator aggregator, TargetAppTelemetry telemetry,
        IOptions<AggregationOptions> aggregation, IOptions<ApiOptions> api, CancellationToken cancellationToken) =>
        RunAsync(AggregationMode.Async, request, telemetry, aggregation.Value, api.Value,
            fanOut => aggregator.FetchConcurrentlyAsync(fanOut, cancellationToken));

    /// <summary>ANTI-PATTERN, on purpose: a synchronous handler; the request's pool thread blocks on each call in turn.</summary>
    public static Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem> AggregateSync(
        HttpRequest request, Aggregator aggregator, TargetAppTelemetry telemetry,
        IOptions<AggregationOptions> aggregation, IOptions<ApiOptions> api, CancellationToken cancellationToken) =>
        Run(AggregationMode.Sync, request, telemetry, aggregation.Value, api.Value,
            fanOut => aggregator.FetchSequentially(fanOut, cancellationToken));

    /// <summary>ANTI-PATTERN, on purpose: a synchronous handler; the request's pool thread blocks until the async calls finish.</summary>
    public static Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem> AggregateSyncOverAsync(
        HttpRequest request, Aggregator aggregator, TargetAppTelemetry telemetry,
        IOptions<AggregationOptions> aggregation, IOptions<ApiOptions> api, CancellationToken cancellationToken) =>
        Run(AggregationMode.SyncOverAsync, request, telemetry, aggregation.Value, api.Value,
            fanOut => aggregator.FetchSyncOverAsync(fanOut, cancellationToken));

    /// <summary>ANTI-PATTERN under load, on purpose: a synchronous handler; the request's thread and up to n − 1 pool threads block.</summary>
    public static Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem> AggregateOnThreadPool(
        HttpRequest request, Aggregator aggregator, TargetAppTelemetry telemetry,
        IOptions<AggregationOptions> aggregation, IOptions<ApiOptions> api, CancellationToken cancellationToken) =>
        Run(AggregationMode.ThreadPool, request, telemetry, aggregation.Value, api.Value,
            fanOut => aggregator.FetchOnThreadPool(fanOut, cancellationToken));

    /// <summary>ANTI-PATTERN under load, on purpose: the request awaits, but each call blocks a pool thread.</summary>
    public static Task<Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem>> AggregateOffloaded(
        HttpRequest request, Aggregator aggregator, TargetAppTelemetry telemetry,
        IOptions<AggregationOptions> aggregation, IOptions<ApiOptions> api, CancellationToken cancellationToken) =>
        RunAsync(AggregationMode.Offload, request, telemetry, aggregation.Value, api.Value,
            fanOut => aggregator.FetchOffloadedAsync(fanOut, cancellationToken));

    public static Task<Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem>> AggregateOnDedicatedThread(
        HttpRequest request, Aggregator aggregator, TargetAppTelemetry telemetry,
        IOptions<AggregationOptions> aggregation, IOptions<ApiOptions> api, CancellationToken cancellationToken) =>
        RunAsync(AggregationMode.Dedicated, request, telemetry, aggregation.Value, api.Value,
            fanOut => aggregator.FetchOnDedicatedThreadAsync(fanOut, cancellationToken));

    private static async Task<Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem>> RunAsync(
        AggregationMode mode, HttpRequest request, TargetAppTelemetry telemetry,
        AggregationOptions aggregation, ApiOptions api, Func<FanOutRequest, Task<FanOutResult>> fetch)
    {
        if (!TryRead(request, aggregation, api, out var fanOut, out var problem))
        {
            return problem;
        }

        using var scope = telemetry.StartAggregation(mode, fanOut.FanOut, fanOut.DelayMs);
        var result = await fetch(fanOut).ConfigureAwait(false);
        scope.Completed(result.Failed);
        return Reply(mode, result);
    }

    private static Results<Ok<AggregateReply>, JsonHttpResult<AggregateReply>, ValidationProblem> Run(
        AggregationMode mode, HttpRequest request, TargetAppTelemetry telemetry,
        AggregationOptions aggregation, ApiOptions api, Func<FanOutRequest, FanOutResult> fetch)
    {
        if (!TryRead(request, aggregation, api, out var fanOut, out var problem))
        {
            return problem;
        }

        using var scope = telemetry.StartAggregation(mode, fanOut.FanOut, fanOut.DelayMs);
        var result = fetch(fanOut);
        scope.Completed(result.Failed);
        return Reply(mode, result);
    }

    private static bool TryRead(
        HttpRequest request, AggregationOptions aggregation, ApiOptions api,
        out FanOutRequest fanOut, out ValidationProblem problem)
    {
        var query = new QueryParameters(request.Query);
        fanOut = new FanOutRequest(
            query.Integer("n", 1, aggregation.MaxFanOut, aggregation.DefaultFanOut),
            query.Integer("delay_ms", 0, api.MaxDelayMs, api.DefaultDelayMs));
        problem = query.IsValid ? null! : TypedResults.ValidationProblem(query.Errors);
        return query.IsValid;
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
