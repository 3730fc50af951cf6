using System.Buffers;
using System.Net;
using Harness.LoadTests.Engine;

namespace Harness.LoadTests.Scenarios;

/// <summary>
/// One shared, tuned HTTP/1.1 connection pool to the system under test, and steps that GET a path
/// from it. No cookies, proxies, redirects or decompression: the generator does as little as it can
/// per request, and every connection it opens is one the server must serve.
/// </summary>
public sealed class HttpTarget : IDisposable
{
    private readonly HttpMessageInvoker _invoker;

    public HttpTarget(Uri baseAddress, TimeSpan requestTimeout)
    {
        BaseAddress = baseAddress;
        RequestTimeout = requestTimeout;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ResponseDrainTimeout = TimeSpan.FromSeconds(1),
        });
    }

    public Uri BaseAddress { get; }

    public TimeSpan RequestTimeout { get; }

    /// <summary>A step that GETs <paramref name="pathAndQuery"/> and reads the whole answer; non-2xx is a failure named <c>http_&lt;status&gt;</c>.</summary>
    public Func<ScenarioContext, Task<StepResult>> Get(string pathAndQuery)
    {
        var uri = new Uri(BaseAddress, pathAndQuery);
        return context => GetAsync(uri, context.CancellationToken);
    }

    public async Task<StepResult> GetAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var response = await _invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var bytes = await ReadBodyAsync(response, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? StepResult.Ok(status, bytes)
                : StepResult.Fail($"http_{status}", status, bytes);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return StepResult.Fail(ErrorKinds.Timeout);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return StepResult.Fail(ErrorKinds.Of(ex));
        }
    }

    private static async Task<long> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                long total = 0;
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                }

                return total;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    public void Dispose() => _invoker.Dispose();
}
