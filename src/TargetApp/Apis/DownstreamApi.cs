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
            .WithSummary("Waits delay_ms (asynchronously), then answers Hello World with the task_id it was given.");
        return api;
    }

    /// <summary>The seed's <c>time.sleep(1)</c>, written as an await: the wait holds no thread.</summary>
    public static async Task<Results<Ok<HelloReply>, ValidationProblem>> Hello(
        HttpRequest request, IOptions<ApiOptions> options, PreciseDelay delay, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var query = new QueryParameters(request.Query);
        string? taskId = query.Text("task_id", settings.MaxTaskIdLength);
        int delayMs = query.Integer("delay_ms", 0, settings.MaxDelayMs, settings.DefaultDelayMs);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        await delay.WaitAsync(TimeSpan.FromMilliseconds(delayMs), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new HelloReply("Hello World", taskId));
    }
}
