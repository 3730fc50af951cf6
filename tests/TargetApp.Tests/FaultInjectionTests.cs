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
/// <remarks>
/// Calls meant to succeed, or to fail in some other way than a timeout, go to an app whose
/// per-call timeout (10 s) no amount of contention reaches; only the tests about timeouts use the
/// app with a short one, and there only the injected slow faults are meant to time out.
/// </remarks>
public sealed class FaultInjectionTests : IClassFixture<FaultInjectionTests.Fixture>
{
    private readonly Fixture _fixture;
    private readonly HttpClient _client;

    public FaultInjectionTests(Fixture fixture)
    {
        _fixture = fixture;
        _client = fixture.Client;
    }

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
        var (status, errors) = await AggregateAsync(_fixture.ShortTimeoutClient, mode, $"n={fanOut}&delay_ms=0&fault=slow&fault_delay_ms=30000");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(["timeout", "timeout"], errors);

        // Sequential modes time out call after call; concurrent ones all at once. Either way, far
        // from the 30 s that waiting for the faults would take: 6 s of slack for a busy machine
        // leaves the bound (7 s) a quarter of that.
        Assert.InRange(clock.Elapsed.TotalSeconds, Fixture.ShortTimeout.TotalSeconds - 0.002, fanOut * Fixture.ShortTimeout.TotalSeconds + 6);
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
        // The slow faults must time out here, and the healthy calls afterwards must not: the app
        // with the 2 s timeout serves both (a 10 ms call is 200 times inside it). Each kind of fault
        // goes to the six modes at once, so the slow ones cost one or two timeouts, not twelve.
        var client = _fixture.MidTimeoutClient;
        foreach (var fault in (string[])["fault=error", "fault=drop", "fault=slow&fault_delay_ms=30000"])
        {
            await Task.WhenAll(AggregationModes.All.Select(async mode =>
            {
                using var _ = await client.GetAsync($"{mode.Route()}?n=2&delay_ms=0&{fault}");
            }));
        }

        using var health = await client.GetAsync("/health/ready");
        var (status, errors) = await AggregateAsync(client, AggregationMode.Async, "n=5&delay_ms=10");

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

    private Task<(HttpStatusCode Status, List<string?> Errors)> AggregateAsync(AggregationMode mode, string query) =>
        AggregateAsync(_client, mode, query);

    private static async Task<(HttpStatusCode Status, List<string?> Errors)> AggregateAsync(HttpClient client, AggregationMode mode, string query)
    {
        using var response = await client.GetAsync($"{mode.Route()}?{query}");
        var body = await JsonAssert.ReadObjectAsync(response);
        var list = body.GetProperty(mode == AggregationMode.Sync ? "aggregated_responses" : "responses");
        return (response.StatusCode, [.. list.EnumerateArray().Select(item => item.TryGetProperty("error", out var e) ? e.GetString() : null)]);
    }

    /// <summary>Three apps alike but for their per-call timeout.</summary>
    public sealed class Fixture : IDisposable
    {
        /// <summary>For calls that are all meant to time out.</summary>
        public static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(500);

        /// <summary>For slow faults that must time out beside calls that must not.</summary>
        public static readonly TimeSpan MidTimeout = TimeSpan.FromSeconds(2);

        /// <summary>For calls meant to succeed or to fail some other way: no contention makes them time out.</summary>
        public static readonly TimeSpan LongTimeout = TimeSpan.FromSeconds(10);

        private readonly TargetAppFactory[] _factories = [App(LongTimeout), App(MidTimeout), App(ShortTimeout)];

        public Fixture()
        {
            Client = _factories[0].CreateRealClient();
            MidTimeoutClient = _factories[1].CreateRealClient();
            ShortTimeoutClient = _factories[2].CreateRealClient();
        }

        /// <summary>Per-call timeout <see cref="LongTimeout"/>.</summary>
        public HttpClient Client { get; }

        /// <summary>Per-call timeout <see cref="MidTimeout"/>.</summary>
        public HttpClient MidTimeoutClient { get; }

        /// <summary>Per-call timeout <see cref="ShortTimeout"/>.</summary>
        public HttpClient ShortTimeoutClient { get; }

        public void Dispose()
        {
            Client.Dispose();
            MidTimeoutClient.Dispose();
            ShortTimeoutClient.Dispose();
            foreach (var factory in _factories)
            {
                factory.Dispose();
            }
        }

        private static TargetAppFactory App(TimeSpan timeout) => new(new Dictionary<string, string?>
        {
            ["Downstream:Timeout"] = timeout.ToString(),
            ["ThreadPool:MinThreads"] = "64",
        });
    }
}
