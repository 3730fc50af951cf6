using Harness.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using TargetApp.Aggregation;
using TargetApp.Tests.Support;

namespace TargetApp.Tests;

/// <summary>
/// A failing downstream makes the answer 502 with the failure listed in place of that reply.
/// The stub fails call 1 in the way the request's delay_ms selects, so one stub serves every case.
/// </summary>
public sealed class DownstreamFailureTests : IClassFixture<DownstreamFailureTests.Fixture>
{
    private const int ServerError = 1;
    private const int NotJson = 2;
    private const int Hang = 3;

    private readonly Fixture _fixture;

    public DownstreamFailureTests(Fixture fixture) => _fixture = fixture;

    public static TheoryData<AggregationMode> Modes() => [.. AggregationModes.All];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task DownstreamError_Is502_WithTheFailedCallListedInPlace(AggregationMode mode)
    {
        var (status, items, failed) = await AggregateAsync(_fixture.Client, mode, ServerError);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(1, failed);
        Assert.Equal("bad_status", items[1].GetProperty("error").GetString());
        Assert.Contains("500", items[1].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("1", items[1].GetProperty("task_id").GetString());
        Assert.Equal("Hello World", items[0].GetProperty("message").GetString());
        Assert.Equal("Hello World", items[2].GetProperty("message").GetString());
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task DownstreamTimeout_Is502_WithinAboutTheTimeout(AggregationMode mode)
    {
        // Calls 0 and 2 must succeed inside the same per-call timeout that cuts call 1: 2 s, not
        // 0.5 s, which a busy machine can spend on a loopback call. The hang lasts 30 s.
        var clock = Stopwatch.StartNew();
        var (status, items, failed) = await AggregateAsync(_fixture.HangClient, mode, Hang);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(1, failed);
        Assert.Equal("timeout", items[1].GetProperty("error").GetString());
        Assert.InRange(clock.Elapsed.TotalSeconds, Fixture.HangTimeout.TotalSeconds - 0.002, 10);
    }

    [Fact]
    public async Task DownstreamAnsweringNonJson_Is502_BadResponse()
    {
        var (status, items, _) = await AggregateAsync(_fixture.Client, AggregationMode.Async, NotJson);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("bad_response", items[1].GetProperty("error").GetString());
    }

    [Theory]
    [InlineData(AggregationMode.Async)]
    [InlineData(AggregationMode.Sync)]
    public async Task UnreachableDownstream_Is502_EveryCallUnreachable(AggregationMode mode)
    {
        await using var factory = new TargetAppFactory(new Dictionary<string, string?> { ["Downstream:BaseUrl"] = $"http://127.0.0.1:{ClosedPort()}" });
        using var client = factory.CreateRealClient();

        var (status, items, failed) = await AggregateAsync(client, mode, 0);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(3, failed);
        Assert.All(items, item => Assert.Equal("unreachable", item.GetProperty("error").GetString()));
        using var health = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static async Task<(HttpStatusCode Status, List<System.Text.Json.JsonElement> Items, int Failed)> AggregateAsync(
        HttpClient client, AggregationMode mode, int failure)
    {
        using var response = await client.GetAsync($"{mode.Route()}?n=3&delay_ms={failure}");
        var body = await JsonAssert.ReadObjectAsync(response);
        var list = body.GetProperty(mode == AggregationMode.Sync ? "aggregated_responses" : "responses");
        return (response.StatusCode, [.. list.EnumerateArray()], body.GetProperty("failed").GetInt32());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// One stub, two apps in front of it: one whose per-call timeout (10 s) only a hang reaches,
    /// for the failures that are not timeouts, and one with 2 s for the hang, so that the calls
    /// beside it that must succeed have room to.
    /// </summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

        public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(2);

        private StubDownstream _stub = null!;
        private TargetAppFactory _factory = null!;
        private TargetAppFactory _hangFactory = null!;

        /// <summary>Per-call timeout <see cref="Timeout"/>.</summary>
        public HttpClient Client { get; private set; } = null!;

        /// <summary>Per-call timeout <see cref="HangTimeout"/>.</summary>
        public HttpClient HangClient { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _stub = await StubDownstream.StartAsync(async request =>
            {
                bool isSecondCall = request.Query["task_id"] == "1";
                return (isSecondCall ? int.Parse(request.Query["delay_ms"]!, System.Globalization.CultureInfo.InvariantCulture) : 0) switch
                {
                    ServerError => Results.StatusCode(StatusCodes.Status500InternalServerError),
                    NotJson => Results.Text("<html>not json</html>", "application/json"),
                    Hang => await StubDownstream.Hello(request, TimeSpan.FromSeconds(30)),
                    _ => await StubDownstream.Hello(request, TimeSpan.Zero),
                };
            });
            _factory = App(Timeout);
            _hangFactory = App(HangTimeout);
            Client = _factory.CreateRealClient();
            HangClient = _hangFactory.CreateRealClient();
        }

        public async Task DisposeAsync()
        {
            Client.Dispose();
            HangClient.Dispose();
            await _factory.DisposeAsync();
            await _hangFactory.DisposeAsync();
            await _stub.DisposeAsync();
        }

        private TargetAppFactory App(TimeSpan timeout) => new(new Dictionary<string, string?>
        {
            ["Downstream:BaseUrl"] = _stub.BaseAddress.ToString(),
            ["Downstream:Timeout"] = timeout.ToString(),
            ["ThreadPool:MinThreads"] = "64",
        });
    }
}
