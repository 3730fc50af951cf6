using System.ComponentModel.DataAnnotations;

namespace TargetApp.Options;

/// <summary>The fan-out endpoints, <c>GET /api/aggregated*/</c>.</summary>
public sealed class AggregationOptions : IValidatableObject
{
    public const string Section = "Aggregation";

    /// <summary>Calls per aggregation when a request gives no <c>n</c> (the seed makes 10).</summary>
    [Range(1, 1000, ErrorMessage = "Aggregation:DefaultFanOut must be between 1 and 1000; set Aggregation__DefaultFanOut accordingly.")]
    public int DefaultFanOut { get; set; } = 10;

    /// <summary>Largest <c>n</c> a request may ask for, so that one request cannot amplify into thousands of calls.</summary>
    [Range(1, 1000, ErrorMessage = "Aggregation:MaxFanOut must be between 1 and 1000; set Aggregation__MaxFanOut accordingly.")]
    public int MaxFanOut { get; set; } = 100;

    /// <summary>Dedicated-thread mode: threads alive at once; further requests wait (asynchronously) for one.</summary>
    [Range(1, 10_000, ErrorMessage = "Aggregation:MaxDedicatedThreads must be between 1 and 10000; set Aggregation__MaxDedicatedThreads accordingly.")]
    public int MaxDedicatedThreads { get; set; } = 256;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultFanOut > MaxFanOut)
        {
            yield return new ValidationResult(
                $"Aggregation:DefaultFanOut ({DefaultFanOut}) must not exceed Aggregation:MaxFanOut ({MaxFanOut}); lower the one or raise the other.",
                [nameof(DefaultFanOut)]);
        }
    }
}
