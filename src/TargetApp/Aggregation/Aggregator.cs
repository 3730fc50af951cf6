using System.Diagnostics;
using Microsoft.Extensions.Options;
using TargetApp.Apis;
using TargetApp.Diagnostics;
using TargetApp.Options;

namespace TargetApp.Aggregation;

/// <summary>
/// What one aggregation asks for: <c>n</c> calls, each to a downstream that takes <c>delay_ms</c>,
/// with the fault (if any) the request asked the downstream to inject.
/// </summary>
public sealed record FanOutRequest(int FanOut, int DelayMs, Fault Fault)
{
    public FanOutRequest(int fanOut, int delayMs)
        : this(fanOut, delayMs, Fault.None)
    {
    }
}

/// <summary>The replies in call order, how long fetching them took, and how many failed.</summary>
public sealed record FanOutResult(IReadOnlyList<FanOutItem> Items, TimeSpan Elapsed)
{
    public int Failed { get; } = Items.Count(item => item.Failed);
}

/// <summary>
/// The same n downstream calls made six ways: the experiment of the seed (Django's async view,
/// its sync view, and asgiref's adapters) done in .NET. Only <see cref="FetchConcurrentlyAsync"/>
/// is the way to write this; the others are here to be measured, and each says which thread it
/// holds and why that hurts.
/// </summary>
public sealed class Aggregator(DownstreamClient downstream, TargetAppTelemetry telemetry, IOptions<AggregationOptions> options)
{
    private const int DedicatedThreadStackSize = 256 * 1024;

    private readonly SemaphoreSlim _dedicatedThreads = new(options.Value.MaxDedicatedThreads);

    /// <summary>
    /// Async fan-out (the seed's <c>asyncio.gather</c>): all calls start at once and
    /// <see cref="Task.WhenAll{TResult}(IEnumerable{Task{TResult}})"/> awaits them. No thread
    /// waits while the calls are in flight, so ten 1 s calls take about 1 s and a request costs
    /// no thread at all while it waits.
    /// </summary>
    public async Task<FanOutResult> FetchConcurrentlyAsync(FanOutRequest request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var calls = new Task<FanOutItem>[request.FanOut];
        for (int i = 0; i < calls.Length; i++)
        {
            calls[i] = downstream.FetchAsync(AggregationMode.Async, i, request, cancellationToken);
        }

        var items = await Task.WhenAll(calls).ConfigureAwait(false);
        return new FanOutResult(items, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// ANTI-PATTERN, on purpose. Sequential blocking calls (the seed's <c>for url in urls:
    /// httpx.get(url)</c>): the request's thread-pool thread is blocked in synchronous socket I/O
    /// for every call in turn, n × delay in all. Under load every in-flight request holds a pool
    /// thread, and the pool grows by only one or two threads a second.
    /// </summary>
    public FanOutResult FetchSequentially(FanOutRequest request, CancellationToken cancellationToken) =>
        FetchSequentially(AggregationMode.Sync, request, cancellationToken);

    /// <summary>
    /// ANTI-PATTERN, on purpose. Sync-over-async (asgiref's <c>async_to_sync</c>): the calls start
    /// asynchronously, then the request's pool thread blocks on
    /// <c>Task.WhenAll(...).GetAwaiter().GetResult()</c>. The calls' continuations need pool
    /// threads to finish, and those are the threads other blocked requests are holding: under
    /// concurrent load nothing completes until the pool has injected enough threads, which on a
    /// small machine takes tens of seconds. The classic starvation.
    /// </summary>
    public FanOutResult FetchSyncOverAsync(FanOutRequest request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var calls = new Task<FanOutItem>[request.FanOut];
        for (int i = 0; i < calls.Length; i++)
        {
            calls[i] = downstream.FetchAsync(AggregationMode.SyncOverAsync, i, request, cancellationToken);
        }

        FanOutItem[] items;
        using (telemetry.Blocking(AggregationMode.SyncOverAsync, "sync_over_async"))
        {
            items = Task.WhenAll(calls).GetAwaiter().GetResult();
        }

        return new FanOutResult(items, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// ANTI-PATTERN under load, on purpose. "A thread pool is enough" (the seed's closing advice):
    /// blocking calls in parallel with <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>.
    /// The request's thread blocks and so do up to n − 1 more pool threads, one per call in
    /// flight. Fine for a handful of requests; under load it eats the pool n times faster than
    /// the sequential mode.
    /// </summary>
    public FanOutResult FetchOnThreadPool(FanOutRequest request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var items = new FanOutItem[request.FanOut];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = request.FanOut, CancellationToken = cancellationToken };
        Parallel.For(0, request.FanOut, parallel, i =>
            items[i] = downstream.Fetch(AggregationMode.ThreadPool, i, request, cancellationToken));
        return new FanOutResult(items, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// ANTI-PATTERN under load, on purpose. Offload (asgiref's <c>sync_to_async(thread_sensitive=False)</c>):
    /// each blocking call runs in <c>Task.Run</c> and
    /// the request awaits them all. The request's own thread is free, but every call in flight
    /// blocks a pool thread for the whole delay: async on the outside, blocking inside.
    /// </summary>
    public async Task<FanOutResult> FetchOffloadedAsync(FanOutRequest request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var calls = new Task<FanOutItem>[request.FanOut];
        for (int i = 0; i < calls.Length; i++)
        {
            int index = i;
            calls[i] = Task.Run(() => downstream.Fetch(AggregationMode.Offload, index, request, cancellationToken), cancellationToken);
        }

        var items = await Task.WhenAll(calls).ConfigureAwait(false);
        return new FanOutResult(items, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Blocking, but off the pool. Dedicated thread (asgiref's <c>sync_to_async(thread_sensitive=True)</c>,
    /// one thread per request as in Django 3.2+): the n blocking calls run one after another on a
    /// new thread that belongs to this request, and the request awaits it. Latency is n × delay
    /// as in the sequential mode, but the pool is never held: what it costs is a whole OS thread
    /// (stack and scheduling) per request in flight, capped by
    /// <see cref="AggregationOptions.MaxDedicatedThreads"/>. (Django 3.1 ran all thread-sensitive
    /// code on one thread for the whole process, which serialises every request.)
    /// </summary>
    public async Task<FanOutResult> FetchOnDedicatedThreadAsync(FanOutRequest request, CancellationToken cancellationToken)
    {
        await _dedicatedThreads.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var done = new TaskCompletionSource<FanOutResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(
                () =>
                {
                    telemetry.DedicatedThreadStarted();
                    try
                    {
                        done.TrySetResult(FetchSequentially(AggregationMode.Dedicated, request, cancellationToken));
                    }
                    catch (OperationCanceledException ex)
                    {
                        done.TrySetCanceled(ex.CancellationToken);
                    }
                    catch (Exception ex)
                    {
                        done.TrySetException(ex);
                    }
                    finally
                    {
                        telemetry.DedicatedThreadEnded();
                    }
                },
                DedicatedThreadStackSize)
            {
                IsBackground = true,
                Name = "harness-dedicated",
            };
            thread.Start();
            return await done.Task.ConfigureAwait(false);
        }
        finally
        {
            _dedicatedThreads.Release();
        }
    }

    private FanOutResult FetchSequentially(AggregationMode mode, FanOutRequest request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var items = new FanOutItem[request.FanOut];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = downstream.Fetch(mode, i, request, cancellationToken);
        }

        return new FanOutResult(items, Stopwatch.GetElapsedTime(started));
    }
}
