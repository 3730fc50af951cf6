using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TargetApp.Aggregation;
using TargetApp.Options;

namespace TargetApp.Apis;

/// <summary>Reads an aggregation's <c>n</c>, <c>delay_ms</c> and <c>fault*</c> parameters against the configured bounds.</summary>
public sealed class FanOutReader(IOptions<AggregationOptions> aggregation, IOptions<ApiOptions> api, IOptions<FaultOptions> faults)
{
    public bool TryRead(HttpRequest request, out FanOutRequest fanOut, out ValidationProblem? problem)
    {
        var query = new QueryParameters(request.Query);
        int n = query.Integer("n", 1, aggregation.Value.MaxFanOut, aggregation.Value.DefaultFanOut);
        int delayMs = query.Integer("delay_ms", 0, api.Value.MaxDelayMs, api.Value.DefaultDelayMs);

        // Only a fault the request asked for travels downstream; the downstream applies its own configured ones.
        var fault = Fault.Read(query, faults.Value, api.Value);
        fanOut = new FanOutRequest(n, delayMs, fault.FromQuery ? fault : Fault.None);
        problem = query.IsValid ? null : TypedResults.ValidationProblem(query.Errors);
        return query.IsValid;
    }
}
