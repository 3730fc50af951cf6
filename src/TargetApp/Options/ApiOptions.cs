using System.ComponentModel.DataAnnotations;

namespace TargetApp.Options;

/// <summary>The slow downstream endpoint, <c>GET /api/</c>: the seed's <c>time.sleep(1)</c>.</summary>
public sealed class ApiOptions : IValidatableObject
{
    public const string Section = "Api";

    /// <summary>Delay when a request gives no <c>delay_ms</c>.</summary>
    [Range(0, 600_000, ErrorMessage = "Api:DefaultDelayMs must be between 0 and 600000 ms; set Api__DefaultDelayMs accordingly.")]
    public int DefaultDelayMs { get; set; } = 1000;

    /// <summary>Largest <c>delay_ms</c> a request may ask for (bounds what one request can cost).</summary>
    [Range(0, 600_000, ErrorMessage = "Api:MaxDelayMs must be between 0 and 600000 ms; set Api__MaxDelayMs accordingly.")]
    public int MaxDelayMs { get; set; } = 60_000;

    /// <summary>Longest <c>task_id</c> accepted, in characters.</summary>
    [Range(1, 1024, ErrorMessage = "Api:MaxTaskIdLength must be between 1 and 1024; set Api__MaxTaskIdLength accordingly.")]
    public int MaxTaskIdLength { get; set; } = 64;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultDelayMs > MaxDelayMs)
        {
            yield return new ValidationResult(
                $"Api:DefaultDelayMs ({DefaultDelayMs}) must not exceed Api:MaxDelayMs ({MaxDelayMs}); lower the one or raise the other.",
                [nameof(DefaultDelayMs)]);
        }
    }
}
