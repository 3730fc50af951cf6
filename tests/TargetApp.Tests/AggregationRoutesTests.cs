using Harness.Testing;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using TargetApp.Aggregation;
using TargetApp.Tests.Support;

namespace TargetApp.Tests;

/// <summary>Every route on a real Kestrel, calling its own /api/ over loopback as the seed's app does.</summary>
public sealed partial class AggregationRoutesTests : IClassFixture<AggregationRoutesTests.Fixture>
{
    private static readonly Dictionary<AggregationMode, string> Greetings = new()
    {
        [AggregationMode.Async] = "Hello Async World",
        [AggregationMode.Sync] = "Hello Sync World!",
        [AggregationMode.SyncOverAsync] = "Hello Sync-over-Async World",
        [AggregationMode.ThreadPool] = "Hello Thread-Pool World",
        [AggregationMode.Offload] = "Hello Offloaded World",
        [AggregationMode.Dedicated] = "Hello Dedicated-Thread World",
    };

    private readonly HttpClient _client;

    public AggregationRoutesTests(Fixture fixture) => _client = fixture.Client;

    public static TheoryData<AggregationMode> Modes() => [.. AggregationModes.All];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task EveryMode_AnswersWithTheSeedsShape_RepliesInCallOrder(AggregationMode mode)
    {
        using var response = await _client.GetAsync(mode.Route() + "?n=3&delay_ms=20");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await JsonAssert.ReadObjectAsync(response);
        string listKey = mode == AggregationMode.Sync ? "aggregated_responses" : "responses";
        Assert.Equal(["message", listKey, "debug_message", "mode", "failed", "elapsed"], JsonAssert.Keys(body));
        Assert.Equal(Greetings[mode], body.GetProperty("message").GetString());
        Assert.Equal(mode.Tag(), body.GetProperty("mode").GetString());
        Assert.Equal(0, body.GetProperty("failed").GetInt32());
        Assert.Matches(DebugMessage(), body.GetProperty("debug_message").GetString());
        Assert.True(body.GetProperty("elapsed").GetDouble() >= 0.018, "elapsed covers at least one 20 ms call");

        var items = body.GetProperty(listKey).EnumerateArray().ToList();
        Assert.Equal(["0", "1", "2"], items.Select(item => item.GetProperty("task_id").GetString()));
        Assert.All(items, item =>
        {
            Assert.Equal("Hello World", item.GetProperty("message").GetString());
            Assert.Equal(["message", "task_id"], JsonAssert.Keys(item));
        });
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task EveryMode_SendsServerTiming_ThatAgreesWithElapsed(AggregationMode mode)
    {
        using var response = await _client.GetAsync(mode.Route() + "?n=2&delay_ms=50");

        var header = Assert.Single(response.Headers.GetValues("Server-Timing"));
        var match = ServerTiming().Match(header);
        Assert.True(match.Success, header);
        double headerSeconds = double.Parse(match.Groups["ms"].Value, System.Globalization.CultureInfo.InvariantCulture) / 1000;
        double elapsed = (await JsonAssert.ReadObjectAsync(response)).GetProperty("elapsed").GetDouble();
        Assert.InRange(headerSeconds, 0.048, 30);
        Assert.InRange(Math.Abs(headerSeconds - elapsed), 0, 0.005);
    }

    [Fact]
    public async Task SlowEndpoint_EchoesTaskId_OnlyWhenGiven()
    {
        using var given = await _client.GetAsync("/api/?task_id=7&delay_ms=0");
        using var omitted = await _client.GetAsync("/api/?delay_ms=0");
        using var unicode = await _client.GetAsync("/api/?delay_ms=0&task_id=" + Uri.EscapeDataString("任务-7"));

        var givenBody = await JsonAssert.ReadObjectAsync(given);
        Assert.Equal(["message", "task_id", "elapsed"], JsonAssert.Keys(givenBody));
        Assert.Equal("Hello World", givenBody.GetProperty("message").GetString());
        Assert.Equal("7", givenBody.GetProperty("task_id").GetString());
        Assert.Equal(["message", "elapsed"], JsonAssert.Keys(await JsonAssert.ReadObjectAsync(omitted)));
        Assert.Equal("任务-7", (await JsonAssert.ReadObjectAsync(unicode)).GetProperty("task_id").GetString());
    }

    [Fact]
    public async Task SlowEndpoint_WaitsForTheGivenDelay()
    {
        var clock = Stopwatch.StartNew();
        using var response = await _client.GetAsync("/api/?delay_ms=300");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Timers tick in whole milliseconds and may fire up to one early.
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.298, 10);
        Assert.InRange((await JsonAssert.ReadObjectAsync(response)).GetProperty("elapsed").GetDouble(), 0.298, 10);
    }

    [Theory]
    [InlineData("/api/aggregated")]
    [InlineData("/api/aggregated/")]
    public async Task SeedUrls_AnswerWithOrWithoutTrailingSlash(string path)
    {
        using var response = await _client.GetAsync(path + "?n=1&delay_ms=0");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task FanOut_AcceptsTheLargestAllowedN()
    {
        using var response = await _client.GetAsync("/api/aggregated/?n=100&delay_ms=0");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(100, (await JsonAssert.ReadObjectAsync(response)).GetProperty("responses").GetArrayLength());
    }

    [GeneratedRegex(@"^fetch executed in \d+\.\d\d seconds\.$")]
    private static partial Regex DebugMessage();

    [GeneratedRegex(@"^app;dur=(?<ms>\d+(\.\d+)?)$")]
    private static partial Regex ServerTiming();

    public sealed class Fixture : IDisposable
    {
        private readonly TargetAppFactory _factory = new();

        public Fixture() => Client = _factory.CreateRealClient();

        public HttpClient Client { get; }

        public void Dispose()
        {
            Client.Dispose();
            _factory.Dispose();
        }
    }
}
