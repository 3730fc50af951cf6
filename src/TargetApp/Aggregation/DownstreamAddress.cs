using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using TargetApp.Options;

namespace TargetApp.Aggregation;

/// <summary>
/// The base address of the downstream: <c>Downstream:BaseUrl</c>, or else this app's own first
/// listening address (the seed's app calls itself on 127.0.0.1:9008).
/// </summary>
public sealed class DownstreamAddress(IOptions<DownstreamOptions> options, IServer server)
{
    private string? _baseUrl;

    public string BaseUrl => _baseUrl ??= Resolve();

    /// <summary>The URL of one call: <c>{base}/api/?task_id={index}&amp;delay_ms={delay}</c>, plus the request's fault.</summary>
    public Uri For(int index, FanOutRequest request) =>
        new($"{BaseUrl}/api/?task_id={index}&delay_ms={request.DelayMs}{request.Fault.ToQuery()}", UriKind.Absolute);

    private string Resolve()
    {
        if (!string.IsNullOrWhiteSpace(options.Value.BaseUrl))
        {
            return options.Value.BaseUrl.TrimEnd('/');
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var own = addresses.OrderBy(a => a.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? 1 : 0).FirstOrDefault()
            ?? throw new InvalidOperationException(
                "Downstream:BaseUrl is empty and this server reports no listening address to call itself on; set Downstream__BaseUrl.");

        // A wildcard host is where the server listens, not an address to connect to.
        var uri = new UriBuilder(own.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = "127.0.0.1";
        }

        return uri.Uri.GetLeftPart(UriPartial.Authority);
    }
}
