using Harness.Load;
using Harness.LoadTests.Suites;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LoadTests.Tests;

/// <summary>The seed and compare suites judge the answer's shape, not only its status: a 200 carrying failed calls is a failure.</summary>
public sealed class SuiteCheckTests
{
    private static async Task<RunResult> RunSeedAgainstAsync(string answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapGet("/api/{**rest}", () => Results.Content(answer, "application/json"));
        await app.StartAsync();
        using var target = new HttpTarget(new Uri(app.Urls.First()), TimeSpan.FromSeconds(10));
        var profile = Profile.Named("smoke") with { FanOut = 3, SeedIterations = 2 };

        return await HarnessRunner.RegisterScenarios([.. Suite.Build(Suite.Seed, profile, target, null).Select(s => s.WithoutWarmUp())])
            .WithoutReports()
            .RunAsync();
    }

    [Fact]
    public async Task Seed_TheSeedsShapeWithNoFailedCall_IsOk()
    {
        var result = await RunSeedAgainstAsync("""{"message":"m","responses":[{},{},{}],"aggregated_responses":[{},{},{}],"failed":0}""");

        Assert.All(result.Scenarios, s => Assert.Equal((2L, 0L), (s.Stats.Ok, s.Stats.Fail)));
    }

    [Fact]
    public async Task Seed_A200WithFailedCalls_FailsAsCheckNoFailedCall()
    {
        var result = await RunSeedAgainstAsync("""{"message":"m","responses":[{},{},{}],"aggregated_responses":[{},{},{}],"failed":2}""");

        Assert.All(result.Scenarios, s => Assert.Equal(2, s.Stats.Errors["check:no-failed-call"]));
    }

    [Fact]
    public async Task Seed_A200WithFewerThanNReplies_FailsAsCheckNResponses()
    {
        var result = await RunSeedAgainstAsync("""{"message":"m","responses":[{}],"aggregated_responses":[{}],"failed":0}""");

        Assert.All(result.Scenarios, s => Assert.Equal(2, s.Stats.Errors["check:n-responses"]));
    }
}
