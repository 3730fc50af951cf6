using System.Net;

namespace Harness.Load;

/// <summary>
/// One shared, tuned connection pool to the system under test (HTTP/1.1, and HTTP/2 for requests
/// that ask for it), and steps that send requests over it: a plain GET of a path, or any
/// <see cref="HttpRequestSpec"/> with its checks. No proxies, redirects or decompression, and
/// cookies only per user when a request asks: the generator does as little as it can per request,
/// and every connection it opens is one the server must serve.
/// </summary>
public sealed class HttpTarget : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly TimeoutSlots _timeouts;

    public HttpTarget(Uri baseAddress, TimeSpan requestTimeout)
    {
        BaseAddress = baseAddress;
        RequestTimeout = requestTimeout;
        _timeouts = new TimeoutSlots(requestTimeout);
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
            EnableMultipleHttp2Connections = true,
        });
    }

    public Uri BaseAddress { get; }

    public TimeSpan RequestTimeout { get; }

    /// <summary>A scenario function that GETs <paramref name="pathAndQuery"/> and reads the whole answer; non-2xx is a failure named <c>http_&lt;status&gt;</c>.</summary>
    public Func<IScenarioContext, Task<IResponse>> Get(string pathAndQuery)
    {
        var uri = new Uri(BaseAddress, pathAndQuery);
        return context => GetAsync(uri, context.CancellationToken, context.TraceParent);
    }

    /// <summary>GETs <paramref name="uri"/>; a <paramref name="traceParent"/> (W3C) is sent as the request's <c>traceparent</c> header.</summary>
    public async Task<IResponse> GetAsync(Uri uri, CancellationToken cancellationToken, string? traceParent = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (traceParent is not null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        }

        try
        {
            using var response = await _invoker.SendAsync(request, _timeouts.TokenFor(cancellationToken)).ConfigureAwait(false);
            var body = new ByteCounter();
            await response.Content.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? Response.Ok(status, body.Count)
                : Response.Fail(status, body.Count);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Response.Fail(error: ErrorKinds.Timeout);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return Response.Fail(error: ErrorKinds.Of(ex));
        }
        finally
        {
            request.Dispose();
        }
    }

    /// <summary>A scenario function that sends <paramref name="request"/> (without a feed: it must hold no placeholders).</summary>
    public Func<IScenarioContext, Task<IResponse>> Send(HttpRequestSpec request)
    {
        if (request.Problem(null) is { } problem)
        {
            throw new ConfigurationException($"{request.Method} {request.Path}: {problem}.");
        }

        return context => SendAsync(request, context);
    }

    /// <summary>
    /// Sends <paramref name="request"/> with <paramref name="row"/>'s fields in its placeholders and
    /// judges the answer: by its checks, and — unless a check judges the status — 2xx is success.
    /// Reads the whole answer, keeping the body only when a check needs it.
    /// </summary>
    public async Task<IResponse> SendAsync(HttpRequestSpec request, IScenarioContext context, IReadOnlyDictionary<string, string>? row = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var message = request.ToMessage(BaseAddress, row);
        if (context.TraceParent is { } traceParent && !message.Headers.Contains("traceparent"))
        {
            // One of the scenario's marked invocations: the services record its trace whatever their sampling ratio.
            message.Headers.TryAddWithoutValidation("traceparent", traceParent);
        }

        var cookies = request.UseCookies ? CookiesOf(context) : null;
        if (cookies?.GetCookieHeader(message.RequestUri!) is { Length: > 0 } cookieHeader)
        {
            message.Headers.TryAddWithoutValidation("Cookie", cookieHeader);
        }

        try
        {
            using var response = await _invoker.SendAsync(message, _timeouts.TokenFor(cancellationToken)).ConfigureAwait(false);
            if (cookies is not null && response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var setCookie in setCookies)
                {
                    cookies.SetCookies(message.RequestUri!, setCookie);
                }
            }

            long size;
            ReadOnlyMemory<byte> body = default;
            if (request.NeedsBody)
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                body = bytes;
                size = bytes.Length;
            }
            else
            {
                var counter = new ByteCounter();
                await response.Content.CopyToAsync(counter, cancellationToken).ConfigureAwait(false);
                size = counter.Count;
            }

            var status = (int)response.StatusCode;
            var result = new HttpResult(status, size, response.Headers, response.Content.Headers, body, response.Version);

            // Without a status check a non-2xx stays http_<status>, as for a plain GET: the other checks judge answers, not errors.
            if (!response.IsSuccessStatusCode && !request.Checks.Any(c => c.IsStatus))
            {
                return result.Failed($"http_{status}", "");
            }

            try
            {
                foreach (var check in request.Checks)
                {
                    if (check.Failure(result, row) is { } failure)
                    {
                        return result.Failed(check.ErrorKind, $"check '{check.Name}': {failure}");
                    }
                }
            }
            finally
            {
                result.ReleaseJson();
            }

            return result;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Response.Fail(error: ErrorKinds.Timeout);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return Response.Fail(message: ex.Message, error: ErrorKinds.Of(ex));
        }
        finally
        {
            message.Dispose();
        }
    }

    private const string CookiesKey = "Harness.Load.Cookies";

    private static CookieContainer CookiesOf(IScenarioContext context)
    {
        if (context.Data.TryGetValue(CookiesKey, out var existing) && existing is CookieContainer container)
        {
            return container;
        }

        container = new CookieContainer();
        context.Data[CookiesKey] = container;
        return container;
    }

    /// <summary>Counts the body's bytes and keeps none of them.</summary>
    private sealed class ByteCounter : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Count;

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Count += count;

        public override void Write(ReadOnlySpan<byte> buffer) => Count += buffer.Length;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Count += count;
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Count += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>
    /// Request timeouts without a timer per request: requests that start within the same 100 ms
    /// share one token, cancelled when the youngest of them reaches the timeout (so a request may
    /// get up to 100 ms more than asked). At tens of thousands of requests a second a timer each
    /// costs the generator measurable CPU.
    /// </summary>
    private sealed class TimeoutSlots(TimeSpan timeout)
    {
        private static readonly long SlotTicks = System.Diagnostics.Stopwatch.Frequency / 10;

        private readonly Lock _lock = new();
        private readonly Queue<Slot> _old = new();
        private Slot? _current;

        public CancellationToken TokenFor(CancellationToken stop)
        {
            if (timeout == Timeout.InfiniteTimeSpan)
            {
                return stop;
            }

            var number = System.Diagnostics.Stopwatch.GetTimestamp() / SlotTicks;
            var slot = Volatile.Read(ref _current);
            if (slot is not null && slot.Number == number && slot.Stop == stop)
            {
                return slot.Token;
            }

            lock (_lock)
            {
                slot = _current;
                if (slot is not null && slot.Number == number && slot.Stop == stop)
                {
                    return slot.Token;
                }

                var source = CancellationTokenSource.CreateLinkedTokenSource(stop);
                source.CancelAfter(timeout + TimeSpan.FromMilliseconds(100));
                var next = new Slot(number, stop, source);
                if (_current is not null)
                {
                    _old.Enqueue(_current);
                }

                // Slots whose requests have all timed out or finished by now can let go of their registrations.
                while (_old.TryPeek(out var oldest) && oldest.Source.IsCancellationRequested)
                {
                    _old.Dequeue().Source.Dispose();
                }

                Volatile.Write(ref _current, next);
                return next.Token;
            }
        }

        private sealed class Slot(long number, CancellationToken stop, CancellationTokenSource source)
        {
            public long Number { get; } = number;

            public CancellationToken Stop { get; } = stop;

            public CancellationTokenSource Source { get; } = source;

            public CancellationToken Token { get; } = source.Token;
        }
    }

    public void Dispose() => _invoker.Dispose();
}
