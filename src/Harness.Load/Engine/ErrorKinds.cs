using System.Net.Sockets;

namespace Harness.Load;

/// <summary>Short names for why a request failed, as counted in reports.</summary>
public static class ErrorKinds
{
    public const string Refused = "refused";
    public const string ConnectError = "connect_error";
    public const string Timeout = "timeout";
    public const string Reset = "reset";
    public const string Closed = "connection_closed";

    /// <summary>Kinds that mean no server was reached at all.</summary>
    public static bool IsConnectionLevel(string kind) => kind is Refused or ConnectError or "dns";

    public static string Of(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return Refused;
                case SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown }:
                    return Reset;
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                    return Timeout;
                case TimeoutException:
                    return Timeout;
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }:
                    return "dns";
                case HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return Closed;
                case HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError }:
                    return "protocol_error";
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } when e.InnerException is not SocketException:
                    return ConnectError;
            }
        }

        return exception switch
        {
            HttpRequestException => "http_error",
            IOException => Reset,
            OperationCanceledException => Timeout,
            _ => exception.GetType().Name,
        };
    }
}
