using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy;

public static class UnreachedDestination
{
    /// <summary>
    /// True when forwarding failed before a connection existed (refused, unreachable, name not
    /// found): the destination never saw the request, so it is safe to send it elsewhere.
    /// </summary>
    public static bool NeverReached(this IForwarderErrorFeature? error) =>
        error is { Error: ForwarderError.Request, Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } };
}
