using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TargetApp.Options;

namespace TargetApp.Apis;

/// <summary>The seed's slow endpoint, <c>GET /api/</c>: the downstream every aggregation calls.</summary>
public static class DownstreamApi
{
    public static RouteGroupBuilder MapDownstreamApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Downstream");
        api.MapGet("/", Hello)
            .WithName("Hello")
            .WithSummary("Waits delay_ms (asynchronously), then answers Hello World with the task_id it was given; fault=error|slow|drop with fault_ratio injects failures.");
        return api;
    }

    /// <summary>The seed's <c>time.sleep(1)</c>, written as an await: the wait holds no thread.</summary>
    public static async Task<Results<Ok<HelloReply>, ValidationProblem, ProblemHttpResult, EmptyHttpResult>> Hello(
        HttpContext context, IOptions<ApiOptions> options, IOptions<FaultOptions> faults, PreciseDelay delay, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var query = new QueryParameters(context.Request.Query);
        string? taskId = query.Text("task_id", settings.MaxTaskIdLength);
        int delayMs = query.Integer("delay_ms", 0, settings.MaxDelayMs, settings.DefaultDelayMs);
        var fault = Fault.Read(query, faults.Value, settings);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        if (fault.Strikes())
        {
            switch (fault.Kind)
            {
                case FaultKind.Drop:
                    // The connection is cut with no answer at all, as a crashing downstream would.
                    context.Abort();
                    return TypedResults.Empty;
                case FaultKind.Error:
                    return TypedResults.Problem(
                        title: "Injected fault", detail: $"This /api/ call was asked to fail with {fault.Status}.", statusCode: fault.Status);
                case FaultKind.Slow:
                    delayMs = fault.DelayMs;
                    break;
            }
        }

        await delay.WaitAsync(TimeSpan.FromMilliseconds(delayMs), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new HelloReply("Hello World", taskId));
    }
}
