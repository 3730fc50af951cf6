namespace Harness.Load;

/// <summary>What a scenario or a step returned: ok or failed, with the status code, the bytes received and why it failed.</summary>
public interface IResponse
{
    bool IsError { get; }

    /// <summary>The protocol's status (an HTTP status code), or 0 when there is none.</summary>
    int StatusCode { get; }

    long SizeBytes { get; }

    string Message { get; }

    /// <summary>A failure's short kind as counted in the reports (<c>http_503</c>, <c>refused</c>, <c>timeout</c>); null when ok.</summary>
    string? ErrorKind { get; }
}

/// <summary>The responses a scenario or step returns, as in NBomber: <c>Response.Ok()</c>, <c>Response.Fail()</c>.</summary>
public sealed class Response : IResponse
{
    // The answer most steps give, shared: one allocation less per request at tens of thousands a second.
    private static readonly Response PlainOk = new(false, 0, 0, "", null);

    private Response(bool isError, int statusCode, long sizeBytes, string message, string? errorKind)
    {
        IsError = isError;
        StatusCode = statusCode;
        SizeBytes = sizeBytes;
        Message = message;
        ErrorKind = errorKind;
    }

    public bool IsError { get; }

    public int StatusCode { get; }

    public long SizeBytes { get; }

    public string Message { get; }

    public string? ErrorKind { get; }

    public static Response Ok(int statusCode = 0, long sizeBytes = 0, string message = "") =>
        statusCode == 0 && sizeBytes == 0 && message.Length == 0 ? PlainOk : new(false, statusCode, sizeBytes, message, null);

    /// <summary>A failure; without <paramref name="error"/> its kind is <c>http_&lt;status&gt;</c> when a status is given, else <c>failed</c>.</summary>
    public static Response Fail(int statusCode = 0, long sizeBytes = 0, string message = "", string? error = null) =>
        new(true, statusCode, sizeBytes, message, error ?? (statusCode > 0 ? $"http_{statusCode}" : "failed"));

    public override string ToString() => IsError ? $"fail {ErrorKind} ({StatusCode}){(Message.Length > 0 ? ": " + Message : "")}" : $"ok ({StatusCode})";
}
