using System.Text.Json;
using System.Text.Json.Serialization;
using Harness.ServiceDefaults;
using TargetApp.Aggregation;
using TargetApp.Apis;
using TargetApp.Diagnostics;
using TargetApp.Options;

namespace TargetApp;

public static class TargetAppExtensions
{
    /// <summary>Options (validated on start), the downstream client, the aggregator and telemetry.</summary>
    public static IHostApplicationBuilder AddTargetApp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AggregationOptions>().BindConfiguration(AggregationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<FaultOptions>().BindConfiguration(FaultOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<DownstreamOptions>().BindConfiguration(DownstreamOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            // The seed's JSON is snake_case; the generated context alone does not rename for these options.
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, TargetAppJsonContext.Default);
        });

        builder.Services.AddConcurrencyLimits<LimitOptions>(
            LimitOptions.Section,
            (LimitOptions.AggregationPolicy, limits => limits.MaxConcurrentAggregations),
            (LimitOptions.DownstreamPolicy, limits => limits.MaxConcurrentDownstreamCalls));
        builder.Services.AddSingleton<PreciseDelay>();
        builder.Services.AddSingleton<FanOutReader>();
        builder.Services.AddSingleton<TargetAppTelemetry>();
        builder.Services.AddSingleton<BlockingWarnings>();
        builder.Services.AddSingleton<DownstreamAddress>();
        builder.Services.AddSingleton<DownstreamClient>();
        builder.Services.AddSingleton<Aggregator>();
        builder.Services.AddHttpClient(DownstreamClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Each call carries its own timeout (Downstream:Timeout); connections are reused across requests.
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                MaxConnectionsPerServer = int.MaxValue,
            })
            .RemoveAllLoggers();
        return builder;
    }

    /// <summary>The seed's three URLs and one route per concurrency style, timed by <see cref="TimingMiddleware"/>.</summary>
    public static WebApplication MapTargetAppApi(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseMiddleware<TimingMiddleware>());
        app.UseRateLimiter();
        app.MapDownstreamApi().RequireRateLimiting(LimitOptions.DownstreamPolicy);
        app.MapAggregationApi().RequireRateLimiting(LimitOptions.AggregationPolicy);
        return app;
    }
}
