using System.Net;
using System.Net.Sockets;

namespace Harness.Testing;

public static class LoopbackPorts
{
    /// <summary>
    /// A loopback port that nothing listens on: the OS hands out a free one and it is released at
    /// once, so a connection to it is refused (or a service started on it can bind it).
    /// </summary>
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
