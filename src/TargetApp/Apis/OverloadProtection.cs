using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using TargetApp.Options;

namespace TargetApp.Apis;

/// <summary>Concurrency limits per route, refusing with a fast 503 + Retry-After (see <see cref="LimitOptions"/>).</summary>
public static class OverloadProtection
{
    public const string AggregationPolicy = "aggregation";
    public const string DownstreamPolicy = "downstream";

    public static IServiceCollection AddOverloadProtection(this IServiceCollection services)
    {
        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            limiter.OnRejected = RejectAsync;
            limiter.AddPolicy(AggregationPolicy, context => PerRoute(context, limits => limits.MaxConcurrentAggregations));
            limiter.AddPolicy(DownstreamPolicy, context => PerRoute(context, limits => limits.MaxConcurrentDownstreamCalls));
        });
        return services;
    }

    private static RateLimitPartition<string> PerRoute(HttpContext context, Func<LimitOptions, int> permits)
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<LimitOptions>>().Value;
        string route = context.GetEndpoint()?.DisplayName ?? context.Request.Path.Value ?? "";
        return RateLimitPartition.GetConcurrencyLimiter(route, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = permits(limits),
            QueueLimit = limits.QueueLength,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var limits = context.RequestServices.GetRequiredService<IOptions<LimitOptions>>().Value;
        context.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem(
            title: "Overloaded",
            detail: $"This route is at its limit of requests in progress (Limits section); retry after {limits.RetryAfterSeconds} s.",
            statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context).ConfigureAwait(false);
    }
}
