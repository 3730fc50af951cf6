using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Harness.Hosting;

/// <summary>One span as the dashboard stored it; times are UTC.</summary>
public sealed record TelemetrySpan(
    string Service,
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    ActivityKind Kind,
    DateTime Start,
    DateTime End,
    IReadOnlyDictionary<string, string> Attributes)
{
    public TimeSpan Duration => End - Start;
}

/// <summary>One structured log record as the dashboard stored it, with the trace it belongs to (if any).</summary>
public sealed record TelemetryLog(
    string Service,
    DateTime Time,
    string Severity,
    string Message,
    string? TraceId,
    string? SpanId,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Reads the Aspire dashboard's telemetry API (<c>/api/telemetry/*</c>, OTLP JSON): the traces,
/// spans and structured logs the services exported to it. Unsecured, as
/// <see cref="AspireDashboard"/> starts it (or the compose service runs it).
/// </summary>
public sealed class DashboardTelemetryClient : IDisposable
{
    /// <summary>How long one request to the telemetry API may take.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;

    public DashboardTelemetryClient(Uri dashboard)
    {
        _http = new HttpClient { BaseAddress = dashboard, Timeout = RequestTimeout };
    }

    /// <summary>The names of the resources (services) that sent telemetry.</summary>
    public async Task<IReadOnlyList<string>> GetResourceNamesAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync(new Uri("api/telemetry/resources", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var document = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
        return [.. document.RootElement.EnumerateArray().Select(r => r.GetProperty("name").GetString() ?? "")];
    }

    /// <summary>Every span of one trace (<c>/api/telemetry/traces/{id}</c>); empty while the dashboard has none of it.</summary>
    public async Task<IReadOnlyList<TelemetrySpan>> GetTraceAsync(string traceId, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync(new Uri($"api/telemetry/traces/{Uri.EscapeDataString(traceId)}", UriKind.Relative), cancellationToken)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        using var document = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
        return ParseSpans(document.RootElement.GetProperty("data"));
    }

    /// <summary>The spans of the most recent traces (<c>/api/telemetry/traces</c>), optionally of one resource.</summary>
    public Task<IReadOnlyList<TelemetrySpan>> GetTracesAsync(string? resource = null, int limit = 100, CancellationToken cancellationToken = default) =>
        GetSpansFromAsync("api/telemetry/traces", Query(("resource", resource), ("limit", Number(limit))), cancellationToken);

    /// <summary>The most recent spans (<c>/api/telemetry/spans</c>), optionally of one trace.</summary>
    public Task<IReadOnlyList<TelemetrySpan>> GetSpansAsync(string? traceId = null, int limit = 1000, CancellationToken cancellationToken = default) =>
        GetSpansFromAsync("api/telemetry/spans", Query(("traceId", traceId), ("limit", Number(limit))), cancellationToken);

    /// <summary>The most recent structured logs (<c>/api/telemetry/logs</c>), optionally of one trace and from a severity up.</summary>
    public async Task<IReadOnlyList<TelemetryLog>> GetLogsAsync(
        string? traceId = null, string? minimumSeverity = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        var query = Query(("traceId", traceId), ("severity", minimumSeverity), ("limit", Number(limit)));
        using var response = await _http.GetAsync(new Uri("api/telemetry/logs" + query, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var document = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
        var logs = new List<TelemetryLog>();
        foreach (var resource in Array(document.RootElement.GetProperty("data"), "resourceLogs"))
        {
            var service = ServiceName(resource);
            foreach (var scope in Array(resource, "scopeLogs"))
            {
                foreach (var record in Array(scope, "logRecords"))
                {
                    logs.Add(new TelemetryLog(
                        service,
                        Time(record, "timeUnixNano"),
                        Text(record, "severityText") ?? "",
                        record.TryGetProperty("body", out var body) ? AnyValue(body) : "",
                        NonEmpty(Text(record, "traceId")),
                        NonEmpty(Text(record, "spanId")),
                        Attributes(record)));
                }
            }
        }

        return logs;
    }

    public void Dispose() => _http.Dispose();

    private async Task<IReadOnlyList<TelemetrySpan>> GetSpansFromAsync(string path, string query, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path + query, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var document = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
        return ParseSpans(document.RootElement.GetProperty("data"));
    }

    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            return await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private static List<TelemetrySpan> ParseSpans(JsonElement data)
    {
        var spans = new List<TelemetrySpan>();
        foreach (var resource in Array(data, "resourceSpans"))
        {
            var service = ServiceName(resource);
            foreach (var scope in Array(resource, "scopeSpans"))
            {
                foreach (var span in Array(scope, "spans"))
                {
                    spans.Add(new TelemetrySpan(
                        service,
                        Text(span, "traceId") ?? "",
                        Text(span, "spanId") ?? "",
                        NonEmpty(Text(span, "parentSpanId")),
                        Text(span, "name") ?? "",
                        Kind(span),
                        Time(span, "startTimeUnixNano"),
                        Time(span, "endTimeUnixNano"),
                        Attributes(span)));
                }
            }
        }

        return spans;
    }

    // OTLP numbers span kinds from 1 (internal); ActivityKind from 0.
    private static ActivityKind Kind(JsonElement span) =>
        span.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.Number && kind.GetInt32() is >= 1 and <= 5 and var k
            ? (ActivityKind)(k - 1)
            : ActivityKind.Internal;

    private static string ServiceName(JsonElement resource) =>
        resource.TryGetProperty("resource", out var r) && Attributes(r).TryGetValue("service.name", out var name) ? name : "";

    private static Dictionary<string, string> Attributes(JsonElement owner)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in Array(owner, "attributes"))
        {
            if (Text(attribute, "key") is { } key && attribute.TryGetProperty("value", out var value))
            {
                attributes[key] = AnyValue(value);
            }
        }

        return attributes;
    }

    // An OTLP AnyValue: {"stringValue": "..."}, {"intValue": "42"}, {"boolValue": true}, ...
    private static string AnyValue(JsonElement value)
    {
        foreach (var property in value.EnumerateObject())
        {
            return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() ?? "" : property.Value.GetRawText();
        }

        return "";
    }

    // OTLP JSON writes 64-bit integers as strings; accept numbers too.
    private static DateTime Time(JsonElement owner, string name)
    {
        if (!owner.TryGetProperty(name, out var value))
        {
            return default;
        }

        ulong nanoseconds = value.ValueKind == JsonValueKind.String
            ? ulong.Parse(value.GetString()!, CultureInfo.InvariantCulture)
            : value.GetUInt64();
        return DateTime.UnixEpoch.AddTicks((long)(nanoseconds / 100));
    }

    private static IEnumerable<JsonElement> Array(JsonElement owner, string name) =>
        owner.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : [];

    private static string? Text(JsonElement owner, string name) =>
        owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string? Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join('&', present);
    }
}
