using Gateway.Options;
using Gateway.Proxy;
using Gateway.Telemetry;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace Gateway;

public static class GatewayExtensions
{
    /// <summary>YARP with Harness's routes, health checks, retries, limits and metrics.</summary>
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        // With no trace exporter the gateway records no spans, so a span id of its own as the
        // targets' parent would point at nothing. The client's traceparent then goes through
        // unchanged, and the forwarder makes no Activity per request: HttpClient's, with its tags,
        // was ~12% of what the gateway allocated per request. With an exporter, the gateway's
        // client span is the targets' parent, as usual.
        if (!builder.Configuration.TracesAreExported())
        {
            AppContext.SetSwitch("System.Net.Http.EnableActivityPropagation", false);
        }

        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<GatewayLimitOptions>().BindConfiguration(GatewayLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RouteLimits>();

        builder.Services.AddSingleton<GatewayTelemetry>();
        builder.Services.AddSingleton<UpstreamConnections>();
        builder.Services.AddSingleton<GatewayConfigProvider>();
        builder.Services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<GatewayConfigProvider>());
        builder.Services.AddHostedService<DnsTargetsWatcher>();
        builder.Services.AddSingleton<IPassiveHealthCheckPolicy, ConnectFailureHealthPolicy>();
        builder.Services.AddSingleton<IForwarderHttpClientFactory, GatewayHttpClientFactory>();
        builder.Services.AddReverseProxy();

        // YARP registers authorization (a route may name a policy), and with it registered
        // WebApplication puts the authorization middleware in every request's path. No Harness
        // route has a policy, so it only cost time; a route given one would fail loudly (ASP.NET
        // Core refuses an endpoint with authorization metadata when no middleware ran).
        builder.Services.RemoveAll<IAuthorizationHandlerProvider>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics =>
        {
            foreach (var instrument in GatewayTelemetry.DroppedPerRequestInstruments)
            {
                metrics.AddView(instrument, MetricStreamConfiguration.Drop);
            }
        });

        builder.Services.AddHealthChecks().AddCheck<DestinationsHealthCheck>("destinations");
        return builder;
    }

    /// <summary>
    /// Proxies <c>/api/**</c> and nothing else: the gateway's own <c>/metrics</c> and health
    /// endpoints are its own, and the targets' are not reachable through it.
    /// </summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<ForwardingMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    /// <summary>Ready only once there is somewhere to send requests (DNS may not have answered yet).</summary>
    private sealed class DestinationsHealthCheck(GatewayConfigProvider config) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(config.Destinations.Count > 0
                ? HealthCheckResult.Healthy($"{config.Destinations.Count} destinations")
                : HealthCheckResult.Unhealthy("no destinations yet: check Gateway:Targets or that Gateway:TargetsDns resolves"));
    }
}
