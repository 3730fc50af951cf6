using System.Text.Json.Serialization;

namespace TargetApp.Apis;

/// <summary><c>GET /api/</c>: <c>{"message":"Hello World","task_id":"3"}</c> (task_id only when given).</summary>
public sealed record HelloReply(string Message, string? TaskId);

/// <summary>One entry of an aggregation: the downstream's reply, or what went wrong with that call.</summary>
public sealed record FanOutItem(string? Message, string? TaskId, string? Error = null, string? Detail = null)
{
    [JsonIgnore]
    public bool Failed => Error is not null;
}

/// <summary>
/// An aggregation's body. The seed's async view lists replies under <c>responses</c>, its sync
/// view under <c>aggregated_responses</c>; both keys are kept so the seed's clients still work.
/// </summary>
public sealed record AggregateReply(
    string Message,
    IReadOnlyList<FanOutItem>? Responses,
    IReadOnlyList<FanOutItem>? AggregatedResponses,
    string DebugMessage,
    string Mode,
    int Failed);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HelloReply))]
[JsonSerializable(typeof(AggregateReply))]
internal sealed partial class TargetAppJsonContext : JsonSerializerContext;
