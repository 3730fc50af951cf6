using System.Globalization;
using System.Text;
using TargetApp.Options;

namespace TargetApp.Apis;

public enum FaultKind
{
    None,
    Error,
    Slow,
    Drop,
}

/// <summary>
/// A fault to inject into a share of <c>/api/</c> answers: from the request's <c>fault</c>,
/// <c>fault_ratio</c>, <c>fault_status</c> and <c>fault_delay_ms</c>, else from <see cref="FaultOptions"/>.
/// The aggregations forward a request's fault to each of their downstream calls.
/// </summary>
public sealed record Fault(FaultKind Kind, double Ratio, int Status, int DelayMs)
{
    public static Fault None { get; } = new(FaultKind.None, 0, 500, 0);

    /// <summary>True when the request asked for a fault itself (so it is forwarded to every call).</summary>
    public bool FromQuery { get; private init; }

    internal static Fault Read(QueryParameters query, FaultOptions options, ApiOptions api)
    {
        var configured = options.Kind == FaultKind.None
            ? None
            : new Fault(options.Kind, options.Ratio, options.Status, Math.Min(options.SlowDelayMs, api.MaxDelayMs));
        if (!query.Has("fault") && !query.Has("fault_ratio") && !query.Has("fault_status") && !query.Has("fault_delay_ms"))
        {
            return configured;
        }

        if (!options.AllowFromQuery)
        {
            query.Reject("fault", "'fault' and its refinements are turned off on this server (Faults:AllowFromQuery=false).");
            return configured;
        }

        if (!query.Has("fault"))
        {
            query.Reject("fault", "'fault' is missing: fault_ratio, fault_status and fault_delay_ms refine a fault; give fault=error, slow or drop with them.");
            return configured;
        }

        var kind = query.Choice("fault", FaultKind.None, [FaultKind.None, FaultKind.Error, FaultKind.Slow, FaultKind.Drop]);
        return new Fault(
            kind,
            query.Fraction("fault_ratio", 1.0),
            query.Integer("fault_status", 400, 599, options.Status),
            query.Integer("fault_delay_ms", 0, api.MaxDelayMs, Math.Min(options.SlowDelayMs, api.MaxDelayMs)))
        {
            FromQuery = true,
        };
    }

    /// <summary>Draws whether this call fails.</summary>
    public bool Strikes() => Kind != FaultKind.None && (Ratio >= 1.0 || Random.Shared.NextDouble() < Ratio);

    /// <summary>The query to forward to a downstream call, starting with '&amp;', or empty.</summary>
    public string ToQuery()
    {
        if (!FromQuery)
        {
            return "";
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"&fault={Kind.ToString().ToLowerInvariant()}&fault_ratio={Ratio:0.######}");
        text.Append(CultureInfo.InvariantCulture, $"&fault_status={Status}&fault_delay_ms={DelayMs}");
        return text.ToString();
    }
}
