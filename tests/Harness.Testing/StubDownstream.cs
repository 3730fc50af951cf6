using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Harness.Testing;

/// <summary>
/// A real downstream on a loopback port whose <c>/api/</c> does what a test scripts, and which
/// records every call it saw start and every call whose client went away.
/// </summary>
public sealed class StubDownstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstAborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _starts = new(0);
    private int _started;
    private int _aborted;

    private StubDownstream(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public int Started => Volatile.Read(ref _started);

    public int Aborted => Volatile.Read(ref _aborted);

    public ConcurrentQueue<string> TaskIds { get; } = new();

    /// <summary>Completes when the first call arrives.</summary>
    public Task FirstCallStarted => _firstStarted.Task;

    /// <summary>Completes when a caller abandons a call that was still in progress.</summary>
    public Task FirstCallAborted => _firstAborted.Task;

    /// <summary>Completes once <paramref name="count"/> more calls have arrived.</summary>
    public async Task WaitForStartedAsync(int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        for (int i = 0; i < count; i++)
        {
            await _starts.WaitAsync(deadline.Token);
        }
    }

    /// <summary>Answers like TargetApp's own /api/, after the request's own delay_ms.</summary>
    public static Task<IResult> HelloAfterRequestedDelay(HttpRequest request) =>
        Hello(request, TimeSpan.FromMilliseconds(int.Parse(request.Query["delay_ms"].ToString(), System.Globalization.CultureInfo.InvariantCulture)));

    /// <param name="handler">Answers one call; the request's RequestAborted says when its caller went away.</param>
    public static async Task<StubDownstream> StartAsync(Func<HttpRequest, Task<IResult>> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var stub = new StubDownstream(app);
        app.MapGet("/api/", async (HttpContext context) =>
        {
            string taskId = context.Request.Query["task_id"].ToString();
            stub.TaskIds.Enqueue(taskId);
            Interlocked.Increment(ref stub._started);
            stub._firstStarted.TrySetResult();
            stub._starts.Release();
            try
            {
                return await handler(context.Request);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                Interlocked.Increment(ref stub._aborted);
                stub._firstAborted.TrySetResult();
                return Results.Empty;
            }
        });
        await app.StartAsync();
        stub.BaseAddress = new Uri(app.Urls.First());
        return stub;
    }

    /// <summary>Answers like TargetApp's own /api/, after <paramref name="delay"/>.</summary>
    public static async Task<IResult> Hello(HttpRequest request, TimeSpan delay)
    {
        await Task.Delay(delay, request.HttpContext.RequestAborted);
        return Results.Json(new { message = "Hello World", task_id = request.Query["task_id"].ToString() });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _starts.Dispose();
    }
}
