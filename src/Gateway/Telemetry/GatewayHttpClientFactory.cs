using Gateway.Options;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Telemetry;

/// <summary>
/// The forwarder's HTTP client: a short connect timeout (a dead replica is found fast), its
/// connections counted per destination, and destination timing.
/// </summary>
public sealed class GatewayHttpClientFactory(
    IOptions<GatewayOptions> options, GatewayTelemetry telemetry, UpstreamConnections connections, ILogger<ForwarderHttpClientFactory> logger)
    : ForwarderHttpClientFactory(logger)
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = options.Value.ConnectTimeout;
        handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2);
        handler.ConnectCallback = connections.ConnectAsync;
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
        new DestinationTimingHandler(handler, telemetry);
}
