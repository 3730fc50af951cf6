using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TargetApp.Diagnostics;

/// <summary>
/// The seed's <c>timing_middleware</c>: adds <c>"elapsed"</c> (seconds) to every JSON object the
/// API answers with, and a <c>Server-Timing: app;dur=…</c> header (milliseconds) that browsers'
/// developer tools show.
/// </summary>
/// <remarks>
/// Django needs a sync and an async flavour of the middleware; ASP.NET Core's pipeline is async
/// throughout, so this one wraps sync handlers (which block inside it) and async ones alike. The
/// body is buffered so the header can still be set and the field spliced in before the closing
/// brace, without parsing and re-serialising the document.
/// </remarks>
public sealed class TimingMiddleware(RequestDelegate next)
{
    private static readonly byte[] ElapsedKey = Encoding.UTF8.GetBytes("\"elapsed\":");

    public async Task InvokeAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            context.Response.Body = original;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        context.Response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture, $"app;dur={elapsed.TotalMilliseconds:0.0}");

        var body = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
        if (IsJson(context.Response.ContentType) && FindObjectBounds(body.Span) is var (open, close) && close > open)
        {
            var writer = new ArrayBufferWriter<byte>(body.Length + 32);
            writer.Write(body.Span[..close]);
            if (!IsEmptyObject(body.Span[(open + 1)..close]))
            {
                writer.Write(","u8);
            }

            writer.Write(ElapsedKey);
            writer.Write(Encoding.UTF8.GetBytes(elapsed.TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture)));
            writer.Write(body.Span[close..]);
            body = writer.WrittenMemory;
        }

        if (body.Length > 0 || context.Response.ContentLength is not null)
        {
            context.Response.ContentLength = body.Length;
        }

        await original.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>The positions of the outer '{' and '}' when the body is one JSON object.</summary>
    private static (int Open, int Close)? FindObjectBounds(ReadOnlySpan<byte> body)
    {
        int open = body.IndexOfAnyExcept(" \t\r\n"u8);
        int close = body.LastIndexOfAnyExcept(" \t\r\n"u8);
        return open >= 0 && body[open] == (byte)'{' && body[close] == (byte)'}' ? (open, close) : null;
    }

    private static bool IsEmptyObject(ReadOnlySpan<byte> inside) => inside.IndexOfAnyExcept(" \t\r\n"u8) < 0;
}
