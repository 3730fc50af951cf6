using Harness.Load;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Harness.LoadTests.Telemetry;

/// <summary>
/// The load engine's own <c>/metrics</c> for Prometheus (on <c>--metrics-port</c>), and OTLP
/// export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, so Grafana shows the client's view too.
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsEndpoint(WebApplication app) => _app = app;

    public Uri Address => new(_app.Urls.First());

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
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/health/live", () => "ok");
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new MetricsEndpoint(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
