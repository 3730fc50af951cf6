using System.ComponentModel.DataAnnotations;

namespace Gateway.Options;

/// <summary>How the gateway talks to the replicas.</summary>
public enum TargetProtocol
{
    /// <summary>HTTP/1.1: one connection per request in flight (5,000 slow requests need 5,000 connections).</summary>
    Http1,

    /// <summary>
    /// HTTP/2 without TLS (prior knowledge): many requests share a few connections. The replicas
    /// need an HTTP/2-only endpoint (Kestrel: <c>Protocols=Http2</c>).
    /// </summary>
    Http2,
}

/// <summary>Where the TargetApp replicas are and how the gateway treats them.</summary>
public sealed class GatewayOptions : IValidatableObject
{
    public const string Section = "Gateway";

    /// <summary>Base URLs of the replicas (env: <c>Gateway__Targets__0</c>, <c>Gateway__Targets__1</c>, …).</summary>
    public List<string> Targets { get; set; } = [];

    /// <summary>
    /// A URL whose host name resolves to every replica (docker compose's service alias), e.g.
    /// <c>http://target:8080</c>. When set it replaces <see cref="Targets"/>; it is resolved again
    /// every <see cref="DnsRefreshInterval"/> so replicas can come and go.
    /// </summary>
    public string? TargetsDns { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Gateway:DnsRefreshInterval must be between 00:00:01 and 00:10:00.")]
    public TimeSpan DnsRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest a proxied request may wait for its answer. The sync modes take 10 to 60 s under
    /// load, so this is generous, but bounded: a request whose answer has not begun by then gets 504.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00", ErrorMessage = "Gateway:RequestTimeout must be between 00:00:01 and 00:30:00; set Gateway__RequestTimeout accordingly.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long to wait for a TCP connection to a replica. A replica that has died refuses at
    /// once; this only bounds one that does not answer at all. Too short, and the burst of new
    /// connections thousands of clients cause turns into 504s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Gateway:ConnectTimeout must be between 00:00:00.100 and 00:01:00; set Gateway__ConnectTimeout accordingly.")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>HTTP/1.1 (default) or HTTP/2 without TLS to the replicas; see <see cref="Options.TargetProtocol"/>.</summary>
    public TargetProtocol TargetProtocol { get; set; } = TargetProtocol.Http1;

    /// <summary>How often each replica's <c>/health/ready</c> is probed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.250", "00:05:00", ErrorMessage = "Gateway:HealthCheckInterval must be between 00:00:00.250 and 00:05:00.")]
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A probe slower than this counts as a failure (two in a row take the replica out).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Gateway:HealthCheckTimeout must be between 00:00:00.100 and 00:05:00.")]
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a replica that refused a connection stays out before it is tried again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Gateway:ReactivationPeriod must be between 00:00:00.100 and 00:10:00.")]
    public TimeSpan ReactivationPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Tries per GET when replicas refuse the connection (the request never reached them, so trying another is safe).</summary>
    [Range(1, 10, ErrorMessage = "Gateway:MaxAttempts must be between 1 and 10; set Gateway__MaxAttempts accordingly.")]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>YARP load-balancing policy: PowerOfTwoChoices, RoundRobin, LeastRequests, Random or First.</summary>
    public string LoadBalancingPolicy { get; set; } = "PowerOfTwoChoices";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(TargetsDns))
        {
            if (!IsHttpUrl(TargetsDns))
            {
                yield return new ValidationResult(
                    $"Gateway:TargetsDns '{TargetsDns}' is not an absolute http(s) URL; set Gateway__TargetsDns to e.g. http://target:8080.",
                    [nameof(TargetsDns)]);
            }
        }
        else if (Targets.Count == 0)
        {
            yield return new ValidationResult(
                "Gateway has no targets: set Gateway__Targets__0 (and __1, …) to the replicas' base URLs, or Gateway__TargetsDns to a name that resolves to them.",
                [nameof(Targets)]);
        }
        else
        {
            for (int i = 0; i < Targets.Count; i++)
            {
                if (!IsHttpUrl(Targets[i]))
                {
                    yield return new ValidationResult(
                        $"Gateway:Targets:{i} '{Targets[i]}' is not an absolute http(s) URL; set Gateway__Targets__{i} to e.g. http://127.0.0.1:5080.",
                        [nameof(Targets)]);
                }
            }
        }

        string[] policies = ["PowerOfTwoChoices", "RoundRobin", "LeastRequests", "Random", "First"];
        if (!policies.Contains(LoadBalancingPolicy, StringComparer.Ordinal))
        {
            yield return new ValidationResult(
                $"Gateway:LoadBalancingPolicy '{LoadBalancingPolicy}' is not one of {string.Join(", ", policies)}.",
                [nameof(LoadBalancingPolicy)]);
        }
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
