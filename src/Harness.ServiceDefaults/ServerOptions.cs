using System.ComponentModel.DataAnnotations;

namespace Harness.ServiceDefaults;

/// <summary>Kestrel settings every service shares.</summary>
public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary>
    /// Connections the kernel may hold for us before we accept them. Kestrel's default, 512, is
    /// too small for a harness that opens thousands at once: the SYNs beyond it are dropped and
    /// retried one second later, which shows up as a second of latency nobody spent. The kernel
    /// caps it at <c>net.core.somaxconn</c> (4096 on current kernels).
    /// </summary>
    [Range(1, 65535, ErrorMessage = "Server:ListenBacklog must be between 1 and 65535; set Server__ListenBacklog accordingly.")]
    public int ListenBacklog { get; set; } = 4096;
}
