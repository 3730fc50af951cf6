using System.Net;
using System.Net.Sockets;
using Gateway.Options;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy;

/// <summary>
/// Resolves <see cref="GatewayOptions.TargetsDns"/> every <see cref="GatewayOptions.DnsRefreshInterval"/>
/// and gives the proxy one destination per address, so replicas that join or leave a compose
/// network alias are picked up without a restart.
/// </summary>
public sealed partial class DnsTargetsWatcher(
    GatewayConfigProvider config, IOptions<GatewayOptions> options, ILogger<DnsTargetsWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!config.UsesDns)
        {
            return;
        }

        var template = new Uri(options.Value.TargetsDns!);
        using var timer = new PeriodicTimer(options.Value.DnsRefreshInterval);
        do
        {
            await RefreshAsync(template, stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task RefreshAsync(Uri template, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(template.DnsSafeHost, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            // Keep what we had: a resolver hiccup should not empty the cluster.
            LogResolveFailed(logger, template.DnsSafeHost, ex.Message);
            return;
        }

        var destinations = addresses
            .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            .Select(a => new UriBuilder(template.Scheme, a.ToString(), template.Port).Uri)
            .OrderBy(u => u.Authority, StringComparer.Ordinal)
            .ToList();
        var current = config.Destinations.Order(StringComparer.Ordinal).ToList();
        if (!destinations.Select(d => d.Authority).SequenceEqual(current, StringComparer.Ordinal))
        {
            config.SetDestinations(destinations);
            LogDestinations(logger, template.DnsSafeHost, string.Join(", ", destinations.Select(d => d.Authority)));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not resolve {Host}: {Reason}; keeping the current destinations")]
    private static partial void LogResolveFailed(ILogger logger, string host, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Host} now resolves to: {Destinations}")]
    private static partial void LogDestinations(ILogger logger, string host, string destinations);
}
