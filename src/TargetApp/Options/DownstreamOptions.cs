using System.ComponentModel.DataAnnotations;

namespace TargetApp.Options;

/// <summary>Where the aggregations send their calls, and how long each may take.</summary>
public sealed class DownstreamOptions : IValidatableObject
{
    public const string Section = "Downstream";

    /// <summary>
    /// Base URL of the service whose <c>/api/</c> is called. Empty: this app calls itself on its
    /// first listening address, as the seed's Django app does (give it explicitly when the app
    /// has several endpoints and the first is HTTP/2 only). Only configuration sets it; no request can.
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>Per-call timeout; a call that takes longer becomes an error entry ("timeout").</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Downstream:Timeout must be between 00:00:00.010 and 00:10:00; set Downstream__Timeout accordingly (e.g. 00:00:10).")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(BaseUrl)
            && (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult(
                $"Downstream:BaseUrl '{BaseUrl}' is not an absolute http(s) URL; set Downstream__BaseUrl to e.g. http://downstream:8080, or leave it empty to call this app itself.",
                [nameof(BaseUrl)]);
        }
    }
}
