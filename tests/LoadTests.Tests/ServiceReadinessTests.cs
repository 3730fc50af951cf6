using Harness.Hosting;
using Harness.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LoadTests.Tests;

/// <summary>
/// Readiness probes on a slow machine: a probe that gets no answer in time is retried until the
/// overall deadline (<see cref="ReadinessProbe"/>, which <see cref="ServiceProcess"/> and
/// <see cref="PrometheusServer"/> use), not taken as the service having failed to start.
/// </summary>
public sealed class ServiceReadinessTests
{
    [Fact]
    public async Task AProbeThatTimesOut_IsRetried_UntilTheServiceAnswers()
    {
        // The first two probes get no answer at all (held until the prober gives up), as a service
        // still warming up on a busy machine; from the third on it answers at once.
        await using var service = await SlowToAnswer.StartAsync("/health/ready", silentProbes: 2);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var problems = new List<string>();

        var ready = await ReadinessProbe.WaitAsync(() => [service.Address], "/health/ready", TimeSpan.FromMilliseconds(500), deadline.Token, onProblem: problems.Add);

        Assert.Equal(service.Address, ready);
        Assert.True(service.Probes >= 3, $"{service.Probes} probes");
        Assert.True(problems.Count(p => p.Contains("gave no answer within 0.5 s", StringComparison.Ordinal)) >= 2, string.Join("; ", problems));
    }

    [Fact]
    public async Task AServiceThatNeverAnswers_FailsAtTheDeadline_AfterProbingAgainAndAgain_SayingWhy()
    {
        await using var service = await SlowToAnswer.StartAsync("/health/ready", silentProbes: int.MaxValue);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2.5));
        var lastProblem = "";
        var started = DateTimeOffset.UtcNow;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => ReadinessProbe.WaitAsync(() => [service.Address], "/health/ready", TimeSpan.FromMilliseconds(500), deadline.Token, onProblem: p => lastProblem = p));

        // The deadline ended it, not the first probe's timeout.
        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(2.4), $"gave up after {DateTimeOffset.UtcNow - started}");
        Assert.True(service.Probes >= 2, $"{service.Probes} probes");
        Assert.Contains("gave no answer within 0.5 s", lastProblem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrometheusReadiness_RetriesAProbeThatTimedOut_AndFailsOnlyAtItsDeadline()
    {
        await using (var slow = await SlowToAnswer.StartAsync("/-/ready", silentProbes: 2))
        {
            await PrometheusServer.WaitUntilReadyAsync(slow.Address, TimeSpan.FromSeconds(10), probeTimeout: TimeSpan.FromMilliseconds(500));
            Assert.True(slow.Probes >= 3, $"{slow.Probes} probes");
        }

        await using var never = await SlowToAnswer.StartAsync("/-/ready", silentProbes: int.MaxValue);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => PrometheusServer.WaitUntilReadyAsync(never.Address, TimeSpan.FromSeconds(2), probeTimeout: TimeSpan.FromMilliseconds(500)));
        Assert.Contains("Timed out waiting for Prometheus to be ready", failure.Message, StringComparison.Ordinal);
        Assert.Contains("gave no answer within 0.5 s", failure.Message, StringComparison.Ordinal);
        Assert.True(never.Probes >= 2, $"{never.Probes} probes");
    }

    /// <summary>A loopback server whose first <c>silentProbes</c> requests to a path get no answer until the client gives up.</summary>
    private sealed class SlowToAnswer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _probes;

        private SlowToAnswer(WebApplication app) => _app = app;

        public Uri Address { get; private set; } = null!;

        public int Probes => Volatile.Read(ref _probes);

        public static async Task<SlowToAnswer> StartAsync(string path, int silentProbes)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new SlowToAnswer(app);
            app.MapGet(path, async (HttpContext context) =>
            {
                if (Interlocked.Increment(ref server._probes) <= silentProbes)
                {
                    // Held until the prober gives up and closes the connection.
                    await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return Results.Empty;
                }

                return Results.Ok("ready");
            });
            await app.StartAsync();
            server.Address = new Uri(app.Urls.First().TrimEnd('/') + "/");
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
