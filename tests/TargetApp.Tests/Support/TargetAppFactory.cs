using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace TargetApp.Tests.Support;

/// <summary>
/// TargetApp in the test process. With <c>kestrel: true</c> it listens on a real loopback port,
/// which the aggregations need: by default they call the app's own <c>/api/</c> over HTTP.
/// </summary>
public sealed class TargetAppFactory : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;

    public TargetAppFactory(IReadOnlyDictionary<string, string?>? settings = null, bool kestrel = true)
    {
        _settings = settings ?? new Dictionary<string, string?>();
        if (kestrel)
        {
            UseKestrel(0);
        }
    }

    /// <summary>The real address Kestrel bound (Kestrel only).</summary>
    public Uri ServerAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address);
        }
    }

    /// <summary>A client with no timeout of its own, so that each test decides how long to wait.</summary>
    public HttpClient CreateRealClient(TimeSpan? timeout = null) =>
        new() { BaseAddress = ServerAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
