using Harness.Testing;
using System.Net;
using TargetApp.Aggregation;
using TargetApp.Tests.Support;

namespace TargetApp.Tests;

/// <summary>Bad input is a 400 problem+json that names the parameter; never a 500. No sockets needed.</summary>
public sealed class ValidationTests(ValidationTests.Fixture fixture) : IClassFixture<ValidationTests.Fixture>
{
    private static readonly string[] BadNumbers =
    [
        "abc", "-1", "", " 5", "5 ", "+5", "1.5", "1e3", "0x10", "99999999999999999999", "2147483648",
        "١٠", "１０", "5%00",
    ];

    public static TheoryData<string, string, string> BadNumericParameters()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var route in AggregationModes.All.Select(mode => mode.Route()))
        {
            foreach (var value in BadNumbers)
            {
                data.Add(route, "n", value);
                data.Add(route, "delay_ms", value);
            }

            data.Add(route, "n", "0");
            data.Add(route, "n", "101");
            data.Add(route, "delay_ms", "60001");
        }

        foreach (var value in BadNumbers)
        {
            data.Add("/api/", "delay_ms", value);
        }

        data.Add("/api/", "delay_ms", "60001");
        return data;
    }

    [Theory]
    [MemberData(nameof(BadNumericParameters))]
    public async Task BadNumber_Is400ProblemNamingTheParameter(string route, string parameter, string value)
    {
        await AssertProblemNamesAsync(route + "?" + parameter + "=" + Escape(value), parameter);
    }

    [Theory]
    [InlineData("n")]
    [InlineData("delay_ms")]
    public async Task RepeatedParameter_Is400NamingIt(string parameter)
    {
        await AssertProblemNamesAsync($"/api/aggregated/?{parameter}=1&{parameter}=2", parameter);
    }

    [Theory]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    public async Task BadTaskId_Is400NamingIt(string taskId)
    {
        await AssertProblemNamesAsync("/api/?delay_ms=0&task_id=" + Escape(taskId), "task_id");
    }

    [Theory]
    [InlineData("/api/", "fault", "explode")]
    [InlineData("/api/", "fault", "")]
    [InlineData("/api/", "fault_ratio", "1.5")]
    [InlineData("/api/", "fault_ratio", "-0.1")]
    [InlineData("/api/", "fault_ratio", "0,5")]
    [InlineData("/api/", "fault_ratio", "1e-1")]
    [InlineData("/api/", "fault_ratio", "0.5.1")]
    [InlineData("/api/", "fault_status", "200")]
    [InlineData("/api/", "fault_status", "600")]
    [InlineData("/api/", "fault_delay_ms", "60001")]
    [InlineData("/api/aggregated/", "fault", "explode")]
    [InlineData("/api/aggregated_sync/", "fault_ratio", "2")]
    public async Task BadFault_Is400NamingTheParameter(string route, string parameter, string value)
    {
        string kind = parameter == "fault" ? "" : "fault=error&";
        await AssertProblemNamesAsync(route + "?delay_ms=0&" + kind + parameter + "=" + Escape(value), parameter);
    }

    [Theory]
    [InlineData("fault_delay_ms=40")]
    [InlineData("fault_ratio=0.5")]
    [InlineData("fault_status=503")]
    public async Task FaultRefinementWithoutFault_Is400NamingFault(string refinement)
    {
        await AssertProblemNamesAsync("/api/?delay_ms=0&" + refinement, "fault");
    }

    [Fact]
    public async Task SeveralBadParameters_AreAllNamedInOneAnswer()
    {
        using var response = await fixture.Client.GetAsync("/api/aggregated_sync/?n=zero&delay_ms=-5");

        var problem = await JsonAssert.ReadObjectAsync(response);
        Assert.Equal(["delay_ms", "n"], JsonAssert.Keys(problem.GetProperty("errors")).Order());
    }

    [Fact]
    public async Task EmptyTaskId_IsEchoedAsGiven_AsTheSeedDoes()
    {
        using var response = await fixture.Client.GetAsync("/api/?delay_ms=0&task_id=");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", (await JsonAssert.ReadObjectAsync(response)).GetProperty("task_id").GetString());
    }

    private async Task AssertProblemNamesAsync(string url, string parameter)
    {
        using var response = await fixture.Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await JsonAssert.ReadObjectAsync(response);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        var messages = problem.GetProperty("errors").GetProperty(parameter).EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Contains(messages, m => m!.Contains($"'{parameter}'", StringComparison.Ordinal));
    }

    private static string Escape(string value) => value.Contains('%') ? value : Uri.EscapeDataString(value);

    public sealed class Fixture : IDisposable
    {
        private readonly TargetAppFactory _factory = new(kestrel: false);

        public Fixture() => Client = _factory.CreateClient();

        public HttpClient Client { get; }

        public void Dispose()
        {
            Client.Dispose();
            _factory.Dispose();
        }
    }
}
