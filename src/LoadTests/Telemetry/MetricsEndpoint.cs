using System.Diagnostics;
using Harness.Load;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Harness.LoadTests.Telemetry;

/// <summary>
/// The load engine's own <c>/metrics</c> for Prometheus (on <c>--metrics-port</c>), and OTLP
/// export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, so Grafana shows the client's view too.
/// It serves the scrapes, so it knows when one has read the final figures: see
/// <see cref="HoldForFinalScrapeAsync"/>.
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ScrapeLog _scrapes;

    private MetricsEndpoint(WebApplication app, ScrapeLog scrapes) => (_app, _scrapes) = (app, scrapes);

    public Uri Address => new(_app.Urls.First());

    /// <summary>Scrapes answered so far.</summary>
    public int ScrapeCount => _scrapes.Count;

    public static async Task<MetricsEndpoint> StartAsync(string host, int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{(host is "0.0.0.0" or "*" ? "+" : host)}:{port}");
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "loadtests"))
            .WithMetrics(metrics => metrics
                .AddMeter(LoadMetrics.MeterName)
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            telemetry.UseOtlpExporter();
        }

        var app = builder.Build();
        var scrapes = new ScrapeLog();
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.Equals("/metrics", StringComparison.Ordinal))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            await next(context).ConfigureAwait(false);
            await context.Response.CompleteAsync().ConfigureAwait(false);
            if (context.Response.StatusCode == StatusCodes.Status200OK)
            {
                scrapes.Answered(started);
            }
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/health/live", () => "ok");
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new MetricsEndpoint(app, scrapes);
    }

    /// <summary>
    /// Keeps <c>/metrics</c> up after the run until a scrape that began after this call (so it read
    /// the final figures) has been answered, so Prometheus's last sample of every counter equals the
    /// report. Bounded: three of the scrape intervals seen during the run (2 s to 60 s), 15 s when only
    /// one scrape came; no wait at all when nothing scraped during the run.
    /// </summary>
    public async Task<FinalScrape> HoldForFinalScrapeAsync(Action<string> say)
    {
        var (waiter, timeout) = _scrapes.WaitForOneStartingNow();
        if (timeout is null)
        {
            say("no scrape of the engine's /metrics came during the run, so none is awaited now");
            return new FinalScrape(false, TimeSpan.Zero, TimeSpan.Zero);
        }

        say($"keeping /metrics up until Prometheus has scraped the final figures (at most {timeout.Value.TotalSeconds:0.#} s)…");
        var clock = Stopwatch.StartNew();
        var scraped = await Task.WhenAny(waiter, Task.Delay(timeout.Value)).ConfigureAwait(false) == waiter;
        say(scraped
            ? $"final figures scraped after {clock.Elapsed.TotalSeconds:0.0} s"
            : $"no scrape came within {timeout.Value.TotalSeconds:0.#} s: Prometheus may lack the run's last interval (the report has it)");
        return new FinalScrape(scraped, clock.Elapsed, timeout.Value);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>How the wait for the final scrape went.</summary>
    public sealed record FinalScrape(bool Scraped, TimeSpan Waited, TimeSpan Timeout);

    /// <summary>When scrapes began, and who waits for the next one that begins after a moment.</summary>
    private sealed class ScrapeLog
    {
        private readonly Lock _lock = new();
        private readonly List<long> _starts = [];
        private readonly List<(long After, TaskCompletionSource Done)> _waiters = [];

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _starts.Count;
                }
            }
        }

        public void Answered(long started)
        {
            lock (_lock)
            {
                _starts.Add(started);
                foreach (var waiter in _waiters.Where(w => started >= w.After).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        public (Task Scraped, TimeSpan? Timeout) WaitForOneStartingNow()
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                _waiters.Add((Stopwatch.GetTimestamp(), done));
                return (done.Task, Timeout());
            }
        }

        private TimeSpan? Timeout()
        {
            if (_starts.Count == 0)
            {
                return null;
            }

            if (_starts.Count == 1)
            {
                return TimeSpan.FromSeconds(15);
            }

            var gaps = _starts.Zip(_starts.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalSeconds).Order().ToList();
            var typical = gaps[gaps.Count / 2];
            return TimeSpan.FromSeconds(Math.Clamp(3 * typical, 2, 60));
        }
    }
}
