using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Harness.Testing;

/// <summary>
/// A real HTTP server on a loopback port that records when each request arrived and how many
/// were in progress at once, and can be told to freeze (every request waits) for a while.
/// </summary>
public sealed class LocalServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<long> _arrivals = new();
    private int _inProgress;
    private int _maxInProgress;
    private int _freezeAfter = int.MaxValue;
    private TimeSpan _freezeFor;
    private Task _gate = Task.CompletedTask;
    private int _count;

    private LocalServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public int MaxInProgress => Volatile.Read(ref _maxInProgress);

    public int Count => Volatile.Read(ref _count);

    /// <summary>Arrival times in seconds after the first request.</summary>
    public IReadOnlyList<double> Arrivals
    {
        get
        {
            var all = _arrivals.ToArray();
            return all.Length == 0 ? [] : [.. all.Select(t => (t - all.Min()) / (double)Stopwatch.Frequency).Order()];
        }
    }

    /// <summary>Once <paramref name="requests"/> have arrived, every request (that one included) waits until <paramref name="duration"/> has passed.</summary>
    public void FreezeAfter(int requests, TimeSpan duration)
    {
        _freezeFor = duration;
        _freezeAfter = requests;
    }

    public static async Task<LocalServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LocalServer(app);
        app.MapGet("/ok", (CancellationToken cancellationToken) => server.HandleAsync(TimeSpan.Zero, cancellationToken));
        app.MapGet("/slow", (int ms, CancellationToken cancellationToken) => server.HandleAsync(TimeSpan.FromMilliseconds(ms), cancellationToken));
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Urls.First());
        return server;
    }

    // A client that gives up ends its request here too, so the server stops at once however slow the route.
    private async Task<string> HandleAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        _arrivals.Enqueue(Stopwatch.GetTimestamp());
        var now = Interlocked.Increment(ref _inProgress);
        try
        {
            int seen;
            do
            {
                seen = Volatile.Read(ref _maxInProgress);
            }
            while (now > seen && Interlocked.CompareExchange(ref _maxInProgress, now, seen) != seen);

            if (Interlocked.Increment(ref _count) == _freezeAfter)
            {
                // The server itself stalls, as a GC pause or a full pool would make it.
                _gate = Task.Delay(_freezeFor);
            }

            await _gate;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
            }

            return "ok";
        }
        finally
        {
            Interlocked.Decrement(ref _inProgress);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
