using System.Net.Http.Headers;
using System.Text.Json;

namespace Harness.Load;

/// <summary>
/// An HTTP answer as a step's response: ok or failed (by status or by a check), with the status,
/// the headers, the bytes received and — when a check needed it — the body.
/// </summary>
public sealed class HttpResult : IResponse
{
    private JsonDocument? _json;
    private bool _parsed;

    internal HttpResult(int statusCode, long sizeBytes, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, ReadOnlyMemory<byte> body, Version version)
    {
        StatusCode = statusCode;
        SizeBytes = sizeBytes;
        Headers = headers;
        ContentHeaders = contentHeaders;
        Body = body;
        Version = version;
    }

    public bool IsError { get; private set; }

    public int StatusCode { get; }

    public long SizeBytes { get; }

    public string Message { get; private set; } = "";

    public string? ErrorKind { get; private set; }

    public HttpResponseHeaders Headers { get; }

    public HttpContentHeaders ContentHeaders { get; }

    /// <summary>The body, kept only when a check reads it; empty otherwise.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The protocol the answer came over (1.1 or 2.0).</summary>
    public Version Version { get; }

    /// <summary>A header's value (response or content header), several joined by ", "; null when absent.</summary>
    public string? Header(string name) =>
        Headers.TryGetValues(name, out var values) || ContentHeaders.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    /// <summary>The body parsed as JSON (once, shared by every check), or null when it is not JSON.</summary>
    public JsonElement? Json()
    {
        if (!_parsed)
        {
            _parsed = true;
            try
            {
                _json = JsonDocument.Parse(Body);
            }
            catch (JsonException)
            {
                _json = null;
            }
        }

        return _json?.RootElement;
    }

    /// <summary>Gives the parsed document's pooled buffers back once the checks are done; a later <see cref="Json"/> parses again.</summary>
    internal void ReleaseJson()
    {
        _json?.Dispose();
        _json = null;
        _parsed = false;
    }

    internal HttpResult Failed(string errorKind, string message)
    {
        IsError = true;
        ErrorKind = errorKind;
        Message = message;
        return this;
    }

    public override string ToString() => IsError ? $"fail {ErrorKind} ({StatusCode}){(Message.Length > 0 ? ": " + Message : "")}" : $"ok ({StatusCode})";
}
