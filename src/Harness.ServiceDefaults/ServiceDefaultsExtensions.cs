using Harness.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Harness service shares: OpenTelemetry metrics and traces, a Prometheus scrape
/// endpoint, health endpoints and the thread-pool instruments.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string MetricsPath = "/metrics";
    public const string LivenessPath = "/health/live";
    public const string ReadinessPath = "/health/ready";

    private const string LiveTag = "live";

    /// <summary>The defaults, with the service's own meter and activity source (one name for both).</summary>
    /// <param name="builder">The service's host builder.</param>
    /// <param name="ownSource">The service's meter and activity source.</param>
    /// <param name="httpClientMetrics">
    /// Whether HttpClient's meters are collected. The gateway leaves them out: it publishes what the
    /// dashboards need of them itself, without their cost on every proxied request (docs/gateway.md#metrics).
    /// </param>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string ownSource, bool httpClientMetrics = true)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ThreadPoolOptions>()
            .BindConfiguration(ThreadPoolOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<ThreadPoolConfigurator>();
        builder.Services.AddSingleton<ThreadPoolMetrics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ThreadPoolMetrics>());
        builder.Services.AddHostedService<ParentProcessWatchdog>();
        builder.Services.AddOptions<TracingOptions>()
            .BindConfiguration(TracingOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ServerOptions>()
            .BindConfiguration(ServerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<SocketTransportOptions>()
            .Configure<IOptions<ServerOptions>>((transport, server) => transport.Backlog = server.Value.ListenBacklog);

        builder.ConfigureOpenTelemetry(ownSource, httpClientMetrics);

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.Services.AddProblemDetails();
        return builder;
    }

    private static void ConfigureOpenTelemetry(this IHostApplicationBuilder builder, string ownSource, bool httpClientMetrics)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var durationBuckets = new ExplicitBucketHistogramConfiguration { Boundaries = [.. DurationBuckets.Seconds] };
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName,
                serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddMeter("System.Runtime", ThreadPoolMetrics.MeterName, ownSource)
                    .AddView("http.server.request.duration", durationBuckets)

                    // Prometheus scrapes every 2 s and the load engine every second: a cached answer
                    // (300 ms by default) would only hand out stale counts.
                    .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                if (httpClientMetrics)
                {
                    metrics.AddHttpClientInstrumentation().AddView("http.client.request.duration", durationBuckets);
                }
            });

        // The standard OTEL_* variables decide where traces, metrics and logs go (logs carry the
        // trace and span ids of the request they were written in). Spans are only
        // recorded when there is somewhere to send them: recorded and dropped, they cost every
        // request its share of CPU (measured on the gateway) for nothing. W3C trace context flows
        // either way, because ASP.NET Core keeps an Activity per request for its log scopes.
        if (builder.Configuration.TracesAreExported())
        {
            telemetry
                .WithTracing(tracing => tracing
                    .SetSampler(sp => new ParentBasedSampler(
                        new TraceIdRatioBasedSampler(sp.GetRequiredService<IOptions<TracingOptions>>().Value.SampleRatio)))
                    .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsInfrastructurePath(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddSource(ownSource))
                .UseOtlpExporter();
        }
    }

    /// <summary>Whether spans go anywhere: the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.</summary>
    public static bool TracesAreExported(this IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>Maps <c>/metrics</c>, <c>/health/live</c> (the process answers) and <c>/health/ready</c> (every check passes).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        app.MapHealthChecks(ReadinessPath);
        return app;
    }

    /// <summary>Scrapes and probes: kept out of traces and out of proxied traffic.</summary>
    public static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/health");
}
