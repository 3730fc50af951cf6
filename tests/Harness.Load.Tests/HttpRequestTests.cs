using System.Text;
using Harness.Testing;

namespace Harness.Load.Tests;

/// <summary>Requests built with <see cref="Http"/> against a real echo Kestrel that records what it received, and checks on the answers.</summary>
public sealed class HttpRequestTests : IAsyncLifetime
{
    private EchoServer _echo = null!;
    private HttpTarget _target = null!;

    public async Task InitializeAsync()
    {
        _echo = await EchoServer.StartAsync();
        _target = new HttpTarget(_echo.BaseAddress, TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        _target.Dispose();
        await _echo.DisposeAsync();
    }

    private static Task<RunResult> RunOnceAsync(ScenarioProps scenario, params string[] thresholds) =>
        HarnessRunner.RegisterScenarios(scenario.WithoutWarmUp().WithLoadSimulations(Simulation.IterationsForConstant(1, 1)))
            .WithEngineSettings(new EngineSettings { DrainTimeout = TimeSpan.FromSeconds(5) })
            .WithThresholds(thresholds)
            .WithoutReports()
            .RunAsync();

    [Fact]
    public async Task JsonPost_ReachesTheServer_WithEveryByteOfMethodPathHeadersAndBodyAsSent()
    {
        const string json = "{\"id\":\"42\",\"name\":\"Grüße \\\"quoted\\\"\",\"n\":[1,2]}";
        var request = Http.Request("post", "/orders/42?x=a%20b&y=%C3%A9")
            .WithHeader("Authorization", "Bearer t0k3n")
            .WithHeader("X-Trace", "abc, def")
            .WithHeader("Content-Type", "application/json")
            .WithJsonBody(json);

        var result = await RunOnceAsync(Scenario.Create("post", _target.Send(request)));

        Assert.Equal(1, result.Scenarios[0].Stats.Ok);
        var received = Assert.Single(_echo.Requests);
        Assert.Equal("POST", received.Method);
        Assert.Equal("/orders/42?x=a%20b&y=%C3%A9", received.Target);
        Assert.Equal("Bearer t0k3n", received.Headers["Authorization"]);
        Assert.Equal("abc, def", received.Headers["X-Trace"]);
        Assert.Equal("application/json", received.Headers["Content-Type"]);
        Assert.Equal(Encoding.UTF8.GetByteCount(json).ToString(System.Globalization.CultureInfo.InvariantCulture), received.Headers["Content-Length"]);
        Assert.Equal(Encoding.UTF8.GetBytes(json), received.Body);
        Assert.Equal("HTTP/1.1", received.Protocol);
    }

    [Fact]
    public async Task BytesAndFormBodies_ArriveAsSent_WithTheirContentTypes()
    {
        byte[] bytes = [0, 1, 2, 254, 255, 13, 10, 0];
        var put = Http.Request("PUT", "/blob").WithBytesBody(bytes);
        var form = Http.Request("POST", "/form").WithFormBody(new("name", "a b&c"), new("city", "Zürich"));

        await RunOnceAsync(HttpScenario.Create("bodies", _target, null, Http.Step("put", put), Http.Step("form", form)));

        var received = _echo.Requests.ToArray();
        Assert.Equal(2, received.Length);
        Assert.Equal("PUT", received[0].Method);
        Assert.Equal(bytes, received[0].Body);
        Assert.Equal("application/octet-stream", received[0].Headers["Content-Type"]);
        Assert.Equal("application/x-www-form-urlencoded", received[1].Headers["Content-Type"]);
        Assert.Equal("name=a%20b%26c&city=Z%C3%BCrich", received[1].BodyText);
    }

    [Fact]
    public async Task JsonCheck_OnA200WithTheWrongValue_FailsAsCheckItsName_AndAThresholdReadsIt()
    {
        var request = Http.Post("/orders")
            .WithHeader("X-Echo-Status", "200")
            .WithJsonBody("{\"status\":\"error\",\"id\":7}")
            .WithChecks(
                Check.Status("answered", 200),
                Check.JsonPath("id-present", "$.id").Exists(),
                Check.JsonPath("status-ok", "$.status").EqualTo("ok"));

        var result = await HarnessRunner.RegisterScenarios(Scenario.Create("orders", _target.Send(request))
                .WithoutWarmUp()
                .WithLoadSimulations(Simulation.IterationsForConstant(2, 10)))
            .WithThresholds("check:status-ok < 1%", "orders: check:id-present < 1%")
            .WithoutReports()
            .RunAsync();

        var stats = result.Scenarios[0].Stats;
        Assert.Equal(10, stats.Fail);
        Assert.Equal(0, stats.Ok);
        Assert.Equal(10, stats.Errors["check:status-ok"]);
        Assert.Equal(10, stats.StatusCodes["200"]);
        Assert.False(result.Thresholds.Single(t => t.Expression == "check:status-ok < 1%").Passed);
        Assert.True(result.Thresholds.Single(t => t.Expression == "orders: check:id-present < 1%").Passed);
        Assert.Equal(10, _echo.Requests.Count);
    }

    [Fact]
    public async Task Checks_OnStatusHeaderAndBody_PassWhenTheAnswerMatches_AndAStatusCheckReplacesTheDefault2xx()
    {
        var request = Http.Get("/missing")
            .WithHeader("X-Echo-Status", "404")
            .WithChecks(
                Check.Status("not-found", 404, 410),
                Check.Header("echoed", "X-Echo-Method", "GET"),
                Check.BodyContains("path", "/missing"),
                Check.JsonPath("method", "$.method").NotEqualTo("POST"));

        var result = await RunOnceAsync(Scenario.Create("get", _target.Send(request)));

        Assert.Equal(1, result.Scenarios[0].Stats.Ok);
    }

    [Fact]
    public async Task WithoutAStatusCheck_ANon2xxAnswerFailsAsHttpStatus()
    {
        var result = await RunOnceAsync(Scenario.Create("get", _target.Send(Http.Get("/x").WithHeader("X-Echo-Status", "503"))));

        Assert.Equal(1, result.Scenarios[0].Stats.Errors["http_503"]);
    }

    [Fact]
    public async Task AMarkedInvocation_SendsItsSampledTraceParent_AndTheOthersSendNone()
    {
        var scenario = Scenario.Create("traced", _target.Send(Http.Get("/traced")))
            .WithoutWarmUp()
            .WithTracedRequests(2)
            .WithLoadSimulations(Simulation.IterationsForConstant(1, 4));

        var result = await HarnessRunner.RegisterScenarios(scenario)
            .WithEngineSettings(new EngineSettings { DrainTimeout = TimeSpan.FromSeconds(5) })
            .WithoutReports()
            .RunAsync();

        var sent = _echo.Requests.Select(r => r.Headers.GetValueOrDefault("traceparent")).ToList();
        Assert.Equal(4, sent.Count);
        var traced = sent.Where(t => t is not null).Select(t => t!).ToList();
        Assert.Equal(2, traced.Count);
        Assert.All(traced, t => Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", t));
        Assert.Equal(result.Scenarios[0].TraceIds.Order(), traced.Select(t => t.Split('-')[1]).Order());
    }

    [Fact]
    public async Task Cookies_WhenAsked_AreKeptPerUser_FromOneRequestToTheNext()
    {
        var login = Http.Get("/login").WithHeader("X-Echo-Set-Cookie", "session=s3cr3t; Path=/").WithCookies();
        var next = Http.Get("/account").WithCookies();
        var without = Http.Get("/public");

        await RunOnceAsync(HttpScenario.Create("cookies", _target, null, Http.Step("login", login), Http.Step("account", next), Http.Step("public", without)));

        var received = _echo.Requests.ToArray();
        Assert.False(received[0].Headers.ContainsKey("Cookie"));
        Assert.Equal("session=s3cr3t", received[1].Headers["Cookie"]);
        Assert.False(received[2].Headers.ContainsKey("Cookie"));
    }

    [Fact]
    public async Task H2c_ReachesAnHttp2OnlyKestrel_WhileHttp11IsRefusedThere()
    {
        await using var h2 = await EchoServer.StartAsync(http2Only: true);
        using var target = new HttpTarget(h2.BaseAddress, TimeSpan.FromSeconds(10));

        var result = await HarnessRunner.RegisterScenarios(
                Scenario.Create("h2c", target.Send(Http.Post("/h2").WithJsonBody("{\"a\":1}").WithHttp2().WithChecks(Check.JsonPath("a", "$.a").EqualTo("1"))))
                    .WithoutWarmUp().WithLoadSimulations(Simulation.IterationsForConstant(2, 6)),
                Scenario.Create("http11", target.Send(Http.Get("/h1")))
                    .WithoutWarmUp().WithLoadSimulations(Simulation.IterationsForConstant(1, 1)))
            .WithoutReports()
            .RunAsync();

        Assert.Equal(6, result.Scenarios.Single(s => s.Name == "h2c").Stats.Ok);
        Assert.Equal(1, result.Scenarios.Single(s => s.Name == "http11").Stats.Fail);
        Assert.Equal(6, h2.Requests.Count);
        Assert.All(h2.Requests, r => Assert.Equal("HTTP/2", r.Protocol));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("$.a..b")]
    [InlineData("$.a[x]")]
    [InlineData("$[")]
    public void BadJsonPath_IsRefusedWhenTheCheckIsMade(string path) =>
        Assert.Throws<ConfigurationException>(() => Check.JsonPath("bad", path));

    [Fact]
    public void JsonPath_FindsNamesIndexesAndQuotedNames()
    {
        using var document = System.Text.Json.JsonDocument.Parse("{\"a\":{\"b\":[{\"id\":\"x\"},{\"id\":2}]},\"odd key\":true}");

        Assert.Equal("x", JsonPath.TextOf(JsonPath.Parse("$.a.b[0].id").Find(document.RootElement)!.Value));
        Assert.Equal("2", JsonPath.TextOf(JsonPath.Parse("$.a.b[1].id").Find(document.RootElement)!.Value));
        Assert.Equal("true", JsonPath.TextOf(JsonPath.Parse("$['odd key']").Find(document.RootElement)!.Value));
        Assert.Null(JsonPath.Parse("$.a.b[2]").Find(document.RootElement));
        Assert.Null(JsonPath.Parse("$.a.c").Find(document.RootElement));
    }

    [Fact]
    public void PlaceholderWithoutAFeed_IsRefusedBeforeTheRun()
    {
        var problem = Assert.Throws<ConfigurationException>(() => _target.Send(Http.Get("/orders/{{id}}")));
        Assert.Contains("{{id}}", problem.Message);
    }
}
