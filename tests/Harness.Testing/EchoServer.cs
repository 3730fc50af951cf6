using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Harness.Testing;

/// <summary>
/// A real Kestrel on a loopback port that records every request as it arrived (method, raw target,
/// headers, body bytes, protocol) and answers with the request's own body. The status is 201 for
/// a POST and 200 otherwise unless the request's <c>X-Echo-Status</c> says; <c>X-Echo-Set-Cookie</c>
/// comes back as a <c>Set-Cookie</c>. A request without a body gets <c>{"method":…,"path":…}</c>.
/// </summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <param name="http2Only">Listen for cleartext HTTP/2 with prior knowledge only (h2c), refusing HTTP/1.1.</param>
    public static async Task<EchoServer> StartAsync(bool http2Only = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
            listen.Protocols = http2Only ? HttpProtocols.Http2 : HttpProtocols.Http1));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var echo = new EchoServer(app);
        app.Run(echo.AnswerAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        echo.BaseAddress = new Uri(address);
        return echo;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var received = new Received(
            request.Method,
            target,
            request.Protocol,
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray());
        Requests.Enqueue(received);

        var response = context.Response;
        response.StatusCode = request.Headers.TryGetValue("X-Echo-Status", out var status)
            ? int.Parse(status.ToString(), System.Globalization.CultureInfo.InvariantCulture)
            : request.Method == "POST" ? 201 : 200;
        if (request.Headers.TryGetValue("X-Echo-Set-Cookie", out var cookie))
        {
            response.Headers.SetCookie = cookie.ToString();
        }

        response.Headers["X-Echo-Method"] = request.Method;
        if (received.Body.Length > 0)
        {
            response.ContentType = request.ContentType ?? "application/octet-stream";
            await response.Body.WriteAsync(received.Body, context.RequestAborted);
        }
        else
        {
            await response.WriteAsJsonAsync(new { method = request.Method, path = target }, context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>One request as the server received it.</summary>
    public sealed record Received(string Method, string Target, string Protocol, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
    }
}
