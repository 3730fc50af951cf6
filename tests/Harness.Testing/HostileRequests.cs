using System.Net;
using System.Text;
using CsCheck;

namespace Harness.Testing;

/// <summary>
/// Generated requests to every route: known and made-up parameters with hostile values (huge,
/// negative, fractional, other scripts' digits, raw and invalid UTF-8, repeated) and random
/// headers, now and then far over the server's size limits.
/// </summary>
public static class HostileRequests
{
    public static readonly string[] Routes =
    [
        "/api/", "/api/aggregated/", "/api/aggregated_sync/", "/api/aggregated_sync_over_async/",
        "/api/aggregated_threadpool/", "/api/aggregated_offload/", "/api/aggregated_dedicated/",
    ];

    private static readonly string[] KnownParameters = ["n", "delay_ms", "task_id", "fault", "fault_ratio", "fault_status", "fault_delay_ms"];

    private static readonly Gen<string> Token = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"], 1, 12];

    private static readonly Gen<byte[]> RawBytes = Gen.Byte.Array[0, 24];

    /// <summary>A query value, already percent-encoded as it goes on the wire.</summary>
    private static readonly Gen<string> Value = Gen.Frequency(
        (4, Gen.Int[-5, 120].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (2, Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Double.Select(d => Uri.EscapeDataString(d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))),
        (1, Gen.OneOf("", "0", "1", "١٠", "１０", "1e3", "0x10", "+3", " 3", "NaN", "-0", "0.5", "none", "error", "slow", "drop").Select(Uri.EscapeDataString)),
        (2, Gen.String[Gen.Char, 0, 20].Select(EncodeUtf8)),
        (2, RawBytes.Select(PercentEncode)),
        (1, Gen.Int[9_000, 40_000].Select(length => new string('9', length))));

    private static readonly Gen<(string, string)> Parameter = Gen.Select(
        Gen.Frequency((5, Gen.OneOf(KnownParameters)), (1, Token)),
        Value,
        (name, value) => (name, value));

    private static readonly Gen<(string, string)> Header = Gen.Select(
        Token.Select(name => "X-" + name),
        Gen.Frequency(
            (6, Gen.String[Gen.Char[' ', '~'], 0, 64]),
            (1, Gen.Int[20_000, 70_000].Select(length => new string('h', length)))),
        (name, value) => (name, value));

    public static Gen<HostileRequest> Any { get; } = Gen.Select(
        Gen.OneOf(Routes),
        Parameter.Array[0, 6],
        Header.Array[0, 3],
        (route, query, headers) => new HostileRequest(route, query, headers));

    /// <summary>
    /// The property: the answer comes within the client's timeout and is 2xx, or 4xx: the app's
    /// own 4xx are problem+json; 414 and 431 come from Kestrel's size limits, before the app.
    /// </summary>
    public static async Task AssertAnswersSafelyAsync(HttpClient client, HostileRequest request)
    {
        using var message = request.ToMessage();
        using var response = await client.SendAsync(message);
        int status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return;
        }

        if (status is >= 400 and < 500)
        {
            if (response.StatusCode is HttpStatusCode.RequestUriTooLong or HttpStatusCode.RequestHeaderFieldsTooLarge or HttpStatusCode.BadRequest
                && response.Content.Headers.ContentLength == 0)
            {
                // Refused by Kestrel's limits or request parser before any app code ran.
                return;
            }

            if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            {
                return;
            }
        }

        string body = await response.Content.ReadAsStringAsync();
        throw new InvalidOperationException($"{request} answered {status} {response.Content.Headers.ContentType}: {body[..Math.Min(body.Length, 300)]}");
    }

    private static string EncodeUtf8(string text) => PercentEncode(Encoding.UTF8.GetBytes(text));

    private static string PercentEncode(byte[] bytes)
    {
        var encoded = new StringBuilder(bytes.Length * 3);
        foreach (byte b in bytes)
        {
            encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return encoded.ToString();
    }
}

public sealed record HostileRequest(string Route, (string Name, string Value)[] Query, (string Name, string Value)[] Headers)
{
    public HttpRequestMessage ToMessage()
    {
        string query = string.Join("&", Query.Select(p => p.Name + "=" + p.Value));
        var message = new HttpRequestMessage(HttpMethod.Get, new Uri(Route + (query.Length > 0 ? "?" + query : ""), UriKind.Relative));
        foreach (var (name, value) in Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    public override string ToString()
    {
        string query = string.Join("&", Query.Select(p => p.Name + "=" + (p.Value.Length > 60 ? p.Value[..60] + $"…({p.Value.Length})" : p.Value)));
        string headers = string.Join(", ", Headers.Select(h => h.Name + ": " + (h.Value.Length > 40 ? h.Value[..40] + $"…({h.Value.Length})" : h.Value)));
        return $"GET {Route}?{query} [{headers}]";
    }
}
