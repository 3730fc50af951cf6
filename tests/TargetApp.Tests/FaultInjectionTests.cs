using Harness.Testing;
using System.Diagnostics;
using System.Net;
using TargetApp.Aggregation;
using TargetApp.Tests.Support;

namespace TargetApp.Tests;

/// <summary>
/// Faults injected into /api/ (error status, slow answer, cut connection, a share of calls): the
/// aggregations list each failure in place, never wait past the per-call timeout, and the app
/// stays healthy.
/// </summary>
public sealed class FaultInjectionTests : IClassFixture<FaultInjectionTests.Fixture>
{
    private readonly HttpClient _client;

    public FaultInjectionTests(Fixture fixture) => _client = fixture.Client;

    public static TheoryData<AggregationMode> Modes() => [.. AggregationModes.All];

    [Fact]
    public async Task ErrorFault_AnswersTheAskedStatus_AsProblem()
    {
        using var response = await _client.GetAsync("/api/?delay_ms=0&fault=error&fault_status=503");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Injected fault", (await JsonAssert.ReadObjectAsync(response)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task DropFault_CutsTheConnectionWithoutAnAnswer()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => _client.GetAsync("/api/?delay_ms=0&fault=drop"));
    }

    [Fact]
    public async Task SlowFault_WaitsTheFaultsDelayInsteadOfTheRequests()
    {
        var clock = Stopwatch.StartNew();
        using var response = await _client.GetAsync("/api/?delay_ms=0&fault=slow&fault_delay_ms=400");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 398, 5000);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task ErrorFault_EveryCallListedAsBadStatus(AggregationMode mode)
    {
        var (status, errors) = await AggregateAsync(mode, "n=3&delay_ms=0&fault=error&fault_status=500");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(["bad_status", "bad_status", "bad_status"], errors);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task DropFault_EveryCallListedAsDropped(AggregationMode mode)
    {
        var (status, errors) = await AggregateAsync(mode, "n=3&delay_ms=0&fault=drop");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(["dropped", "dropped", "dropped"], errors);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task SlowFault_TimesOutEachCall_NeverWaitingPastTheTimeouts(AggregationMode mode)
    {
        const int fanOut = 2;
        var clock = Stopwatch.StartNew();
        var (status, errors) = await AggregateAsync(mode, $"n={fanOut}&delay_ms=0&fault=slow&fault_delay_ms=30000");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(["timeout", "timeout"], errors);

        // Sequential modes time out call after call; concurrent ones all at once. Either way, far from 30 s.
        Assert.InRange(clock.Elapsed.TotalSeconds, Fixture.Timeout.TotalSeconds - 0.002, fanOut * Fixture.Timeout.TotalSeconds + 3);
    }

    [Fact]
    public async Task FailureRatio_FailsAboutThatShareOfCalls()
    {
        var (status, errors) = await AggregateAsync(AggregationMode.Async, "n=100&delay_ms=0&fault=error&fault_ratio=0.5");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        int failed = errors.Count(e => e is not null);

        // Binomial(100, 0.5): outside [25, 75] about once in three million runs.
        Assert.InRange(failed, 25, 75);
    }

    [Fact]
    public async Task ZeroRatio_FailsNothing()
    {
        var (status, errors) = await AggregateAsync(AggregationMode.Async, "n=20&delay_ms=0&fault=drop&fault_ratio=0");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(errors, Assert.Null);
    }

    [Fact]
    public async Task AfterEveryKindOfFault_TheAppIsHealthyAndAnswersNormally()
    {
        foreach (var fault in (string[])["fault=error", "fault=drop", "fault=slow&fault_delay_ms=30000"])
        {
            foreach (var mode in AggregationModes.All)
            {
                using var _ = await _client.GetAsync($"{mode.Route()}?n=2&delay_ms=0&{fault}");
            }
        }

        using var health = await _client.GetAsync("/health/ready");
        var (status, errors) = await AggregateAsync(AggregationMode.Async, "n=5&delay_ms=10");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(errors, Assert.Null);
    }

    [Fact]
    public async Task ConfiguredFault_AppliesWithoutQuery_AndQueryFaultsCanBeTurnedOff()
    {
        await using var factory = new TargetAppFactory(new Dictionary<string, string?>
        {
            ["Faults:Kind"] = "Error",
            ["Faults:Ratio"] = "1",
            ["Faults:Status"] = "418",
            ["Faults:AllowFromQuery"] = "false",
        });
        using var client = factory.CreateRealClient();

        using var plain = await client.GetAsync("/api/?delay_ms=0");
        using var aggregated = await client.GetAsync("/api/aggregated/?n=2&delay_ms=0");
        using var asked = await client.GetAsync("/api/?delay_ms=0&fault=drop");

        Assert.Equal((HttpStatusCode)418, plain.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, aggregated.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, asked.StatusCode);
        Assert.True((await JsonAssert.ReadObjectAsync(asked)).GetProperty("errors").TryGetProperty("fault", out _));
    }

    private async Task<(HttpStatusCode Status, List<string?> Errors)> AggregateAsync(AggregationMode mode, string query)
    {
        using var response = await _client.GetAsync($"{mode.Route()}?{query}");
        var body = await JsonAssert.ReadObjectAsync(response);
        var list = body.GetProperty(mode == AggregationMode.Sync ? "aggregated_responses" : "responses");
        return (response.StatusCode, [.. list.EnumerateArray().Select(item => item.TryGetProperty("error", out var e) ? e.GetString() : null)]);
    }

    public sealed class Fixture : IDisposable
    {
        public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

        private readonly TargetAppFactory _factory = new(new Dictionary<string, string?>
        {
            ["Downstream:Timeout"] = Timeout.ToString(),
            ["ThreadPool:MinThreads"] = "64",
        });

        public Fixture() => Client = _factory.CreateRealClient();

        public HttpClient Client { get; }

        public void Dispose()
        {
            Client.Dispose();
            _factory.Dispose();
        }
    }
}
