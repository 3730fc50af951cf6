using System.Net;
using System.Text;

namespace Harness.Load;

/// <summary>Where HTTP requests start: <c>Http.Request("POST", "/orders/{{id}}").WithJsonBody(...).WithChecks(...)</c>.</summary>
public static class Http
{
    public static HttpRequestSpec Request(string method, string path) => new(method, path);

    public static HttpRequestSpec Get(string path) => new("GET", path);

    public static HttpRequestSpec Post(string path) => new("POST", path);

    /// <summary>A named step of an <see cref="HttpScenario"/>.</summary>
    public static HttpStep Step(string name, HttpRequestSpec request) => new(name, request);
}

/// <summary>The kinds of body a request can carry.</summary>
public enum BodyKind
{
    None,
    Text,
    Json,
    Bytes,
    Form,
}

/// <summary>
/// One HTTP request as a reusable, immutable description: method, path, headers, body, protocol,
/// cookies and checks. The path, header values, text/JSON/form bodies and checks' expected values
/// may hold <c>{{field}}</c> placeholders, filled from a feed's row on each send.
/// </summary>
public sealed record HttpRequestSpec
{
    public HttpRequestSpec(string method, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentNullException.ThrowIfNull(path);
        Method = new HttpMethod(method.ToUpperInvariant());
        Path = new Template(path);
    }

    public HttpMethod Method { get; }

    /// <summary>Path and query, relative to the target's base address.</summary>
    public Template Path { get; }

    public IReadOnlyList<KeyValuePair<string, Template>> Headers { get; init; } = [];

    public BodyKind BodyKind { get; init; }

    public Template? BodyText { get; init; }

    public ReadOnlyMemory<byte> BodyBytes { get; init; }

    public IReadOnlyList<KeyValuePair<string, Template>> Form { get; init; } = [];

    /// <summary>The body's Content-Type unless a Content-Type header says otherwise.</summary>
    public string? ContentType { get; init; }

    /// <summary>HTTP/1.1, or 2.0: over http:// that is cleartext HTTP/2 with prior knowledge (h2c), over https:// HTTP/2 by ALPN.</summary>
    public Version Version { get; init; } = HttpVersion.Version11;

    /// <summary>Keep each user's cookies from one of its requests to the next.</summary>
    public bool UseCookies { get; init; }

    public IReadOnlyList<Check> Checks { get; init; } = [];

    /// <summary>Whether a check reads the body, so the answer is kept in memory (else it is only counted).</summary>
    public bool NeedsBody => Checks.Any(c => c.NeedsBody);

    public HttpRequestSpec WithHeader(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return this with { Headers = [.. Headers, new(name, new Template(value))] };
    }

    public HttpRequestSpec WithTextBody(string text, string contentType = "text/plain; charset=utf-8") =>
        this with { BodyKind = BodyKind.Text, BodyText = new Template(text), ContentType = contentType };

    /// <summary>A JSON body as written (it may hold <c>{{field}}</c>s), sent as <c>application/json</c>.</summary>
    public HttpRequestSpec WithJsonBody(string json) =>
        this with { BodyKind = BodyKind.Json, BodyText = new Template(json), ContentType = "application/json" };

    /// <summary>A value serialised once with System.Text.Json's web defaults.</summary>
    public HttpRequestSpec WithJsonBody<T>(T value) =>
        WithJsonBody(System.Text.Json.JsonSerializer.Serialize(value, System.Text.Json.JsonSerializerOptions.Web));

    public HttpRequestSpec WithBytesBody(ReadOnlyMemory<byte> bytes, string contentType = "application/octet-stream") =>
        this with { BodyKind = BodyKind.Bytes, BodyBytes = bytes, BodyText = null, ContentType = contentType };

    /// <summary>An <c>application/x-www-form-urlencoded</c> body; values may hold <c>{{field}}</c>s.</summary>
    public HttpRequestSpec WithFormBody(params IEnumerable<KeyValuePair<string, string>> fields) =>
        this with { BodyKind = BodyKind.Form, Form = [.. fields.Select(f => new KeyValuePair<string, Template>(f.Key, new Template(f.Value)))], ContentType = "application/x-www-form-urlencoded" };

    public HttpRequestSpec WithVersion(Version version) =>
        version == HttpVersion.Version11 || version == HttpVersion.Version20
            ? this with { Version = version }
            : throw new ConfigurationException($"HTTP version {version}: use 1.1 or 2.0.");

    /// <summary>HTTP/2; over http:// cleartext with prior knowledge (h2c), for services that speak only HTTP/2.</summary>
    public HttpRequestSpec WithHttp2() => WithVersion(HttpVersion.Version20);

    /// <summary>
    /// How a request of <paramref name="version"/> is sent: HTTP/2 exactly (over http:// that is
    /// prior knowledge, h2c, which has nothing to fall back from), HTTP/1.1 or lower.
    /// </summary>
    public static HttpVersionPolicy VersionPolicyFor(Version version) =>
        version == HttpVersion.Version20 ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower;

    public HttpRequestSpec WithCookies(bool useCookies = true) => this with { UseCookies = useCookies };

    public HttpRequestSpec WithChecks(params Check[] checks)
    {
        if (Checks.Concat(checks).GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ConfigurationException($"check '{twice.Key}' is named twice; each check needs its own name to be counted.");
        }

        return this with { Checks = [.. Checks, .. checks] };
    }

    /// <summary>Every feed field the request reads: path, headers, body and checks.</summary>
    public IEnumerable<(string Where, string Field)> Fields()
    {
        foreach (var field in Path.Fields)
        {
            yield return ("path", field);
        }

        foreach (var (name, value) in Headers)
        {
            foreach (var field in value.Fields)
            {
                yield return ($"headers.{name}", field);
            }
        }

        foreach (var field in BodyText?.Fields ?? [])
        {
            yield return ("body", field);
        }

        foreach (var (name, value) in Form)
        {
            foreach (var field in value.Fields)
            {
                yield return ($"body.{name}", field);
            }
        }

        foreach (var check in Checks)
        {
            foreach (var field in check.Fields)
            {
                yield return ($"checks.{check.Name}", field);
            }
        }
    }

    /// <summary>Why this request cannot be sent with rows of these fields (null: it can). Without a feed, any placeholder is a problem.</summary>
    public string? Problem(IReadOnlyCollection<string>? feedFields)
    {
        foreach (var (where, field) in Fields())
        {
            if (feedFields is null)
            {
                return $"{where} reads '{{{{{field}}}}}' but there is no feed";
            }

            if (!feedFields.Contains(field))
            {
                return $"{where} reads '{{{{{field}}}}}', a field the feed does not have (it has {string.Join(", ", feedFields)})";
            }
        }

        return null;
    }

    internal HttpRequestMessage ToMessage(Uri baseAddress, IReadOnlyDictionary<string, string>? row)
    {
        var message = new HttpRequestMessage(Method, new Uri(baseAddress, Path.Render(row)))
        {
            Version = Version,
            VersionPolicy = VersionPolicyFor(Version),
        };

        message.Content = BodyKind switch
        {
            BodyKind.Text or BodyKind.Json => new ByteArrayContent(Encoding.UTF8.GetBytes(BodyText!.Render(row))),
            BodyKind.Bytes => new ReadOnlyMemoryContent(BodyBytes),
            BodyKind.Form => new ByteArrayContent(Encoding.ASCII.GetBytes(string.Join('&', Form.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value.Render(row))}")))),
            _ => null,
        };

        if (message.Content is not null && ContentType is not null)
        {
            message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }

        foreach (var (name, value) in Headers)
        {
            var text = value.Render(row);
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                // Content headers belong to the body; one given here replaces the body's default.
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.Remove(name);
                message.Content.Headers.TryAddWithoutValidation(name, text);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, text);
            }
        }

        return message;
    }
}

/// <summary>A named request in an <see cref="HttpScenario"/>; each is measured as its own step.</summary>
public sealed record HttpStep(string Name, HttpRequestSpec Request);
