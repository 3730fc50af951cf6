using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Harness.ServiceDefaults;

/// <summary>What every service's overload settings share.</summary>
public interface IConcurrencyLimitSettings
{
    /// <summary>Requests that may wait for a slot before being refused; 0 refuses at once.</summary>
    int QueueLength { get; }

    /// <summary>Seconds a refused client is asked to wait (the Retry-After header).</summary>
    int RetryAfterSeconds { get; }
}

/// <summary>
/// Overload protection: a cap on requests in progress per route; one more is refused at once with
/// 503 and <c>Retry-After</c>. Far beyond capacity a service that queues without bound grows its
/// memory and answers nothing in time; a fast 503 is something a client or a gateway can act on.
/// Per route, so that one starving route cannot take the others' share.
/// </summary>
public static class ConcurrencyLimits
{
    public static IServiceCollection AddConcurrencyLimits<TOptions>(
        this IServiceCollection services, string section, params (string Policy, Func<TOptions, int> PermitsPerRoute)[] policies)
        where TOptions : class, IConcurrencyLimitSettings
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            limiter.OnRejected = (rejected, _) => RejectAsync<TOptions>(rejected.HttpContext, section);
        });

        // The limits are read once, when the rate limiter is built, so a request costs a lookup of
        // its route's limiter and nothing else: no request scope to reach the settings, no delegate.
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<TOptions>>((limiter, settings) =>
        {
            foreach (var (policy, permits) in policies)
            {
                var perRoute = new ConcurrencyLimiterOptions
                {
                    PermitLimit = permits(settings.Value),
                    QueueLimit = settings.Value.QueueLength,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                };
                Func<string, ConcurrencyLimiterOptions> limiterFor = _ => perRoute;
                limiter.AddPolicy(policy, context => RateLimitPartition.GetConcurrencyLimiter(RouteOf(context), limiterFor));
            }
        });
        return services;
    }

    private static string RouteOf(HttpContext context) => context.GetEndpoint()?.DisplayName ?? context.Request.Path.Value ?? "";

    private static ValueTask RejectAsync<TOptions>(HttpContext context, string section)
        where TOptions : class, IConcurrencyLimitSettings =>
        RejectAsync(context, context.RequestServices.GetRequiredService<IOptions<TOptions>>().Value.RetryAfterSeconds, section);

    /// <summary>
    /// The answer to a request over its route's limit: 503, <c>Retry-After</c>, and a problem body
    /// naming the settings section that sets the limit. Every Harness service refuses this way.
    /// </summary>
    public static async ValueTask RejectAsync(HttpContext context, int retryAfterSeconds, string section)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem(
            title: "Overloaded",
            detail: $"This route is at its limit of requests in progress ({section} settings); retry after {retryAfterSeconds} s.",
            statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context).ConfigureAwait(false);
    }
}
