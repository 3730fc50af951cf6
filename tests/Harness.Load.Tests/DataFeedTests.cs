using System.Collections.Concurrent;
using Harness.Testing;

namespace Harness.Load.Tests;

/// <summary>Data feeds and their strategies, through the engine against a real echo Kestrel.</summary>
public sealed class DataFeedTests : IAsyncLifetime
{
    private EchoServer _echo = null!;
    private HttpTarget _target = null!;
    private string _folder = null!;

    public async Task InitializeAsync()
    {
        _echo = await EchoServer.StartAsync();
        _target = new HttpTarget(_echo.BaseAddress, TimeSpan.FromSeconds(10));
        _folder = Directory.CreateTempSubdirectory("harness-feed-").FullName;
    }

    public async Task DisposeAsync()
    {
        _target.Dispose();
        await _echo.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private static IEnumerable<IReadOnlyDictionary<string, string>> Ids(int count) =>
        Enumerable.Range(1, count).Select(i => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["id"] = $"id-{i}" });

    private static Task<RunResult> RunAsync(ScenarioProps scenario, int copies, int iterations) =>
        HarnessRunner.RegisterScenarios(scenario.WithoutWarmUp().WithLoadSimulations(Simulation.IterationsForConstant(copies, iterations)))
            .WithEngineSettings(new EngineSettings { DrainTimeout = TimeSpan.FromSeconds(5) })
            .WithoutReports()
            .RunAsync();

    private static HttpStep Create => Http.Step("create", Http.Post("/orders/{{id}}").WithJsonBody("{\"id\":\"{{id}}\"}")
        .WithChecks(Check.Status("created", 201), Check.JsonPath("echo-id", "$.id").EqualTo("{{id}}")));

    [Fact]
    public async Task Circular_FortyIterationsOverTenRows_ReachTheServerFourTimesPerId()
    {
        File.WriteAllText(Path.Combine(_folder, "ids.csv"), "id\n" + string.Join("\n", Enumerable.Range(1, 10).Select(i => $"id-{i}")) + "\n");
        var feed = DataFeed.FromCsv(Path.Combine(_folder, "ids.csv"), FeedStrategy.Circular);

        var result = await RunAsync(HttpScenario.Create("orders", _target, feed, Create), copies: 4, iterations: 40);

        Assert.Equal(40, result.Scenarios[0].Stats.Ok);
        var perId = _echo.Requests.GroupBy(r => r.Target).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"/orders/id-{i}").Order(), perId.Keys.Order());
        Assert.All(perId.Values, count => Assert.Equal(4, count));
        Assert.All(_echo.Requests, r => Assert.Equal($"{{\"id\":\"{r.Target["/orders/".Length..]}\"}}", r.BodyText));
    }

    [Fact]
    public async Task Constant_GivesEachUserItsOwnStableRow()
    {
        var feed = DataFeed.FromRows("users", Ids(10), FeedStrategy.Constant);
        var request = Http.Get("/me").WithHeader("X-Id", "{{id}}");
        var seen = new ConcurrentDictionary<int, ConcurrentBag<string>>();

        // Iterations are shared by the users, so a user that started late could find none left:
        // each user's first invocation waits until all four have begun one.
        var allUsersIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scenario = Scenario.Create("constant", async ctx =>
        {
            var row = feed.Next(ctx);
            seen.GetOrAdd(ctx.UserNumber, _ => []).Add(row["id"]);
            if (seen.Count == 4)
            {
                allUsersIn.TrySetResult();
            }

            await allUsersIn.Task.WaitAsync(TimeSpan.FromSeconds(10), ctx.CancellationToken);
            return await Step.Run("me", ctx, () => _target.SendAsync(request, ctx, row));
        });

        var result = await RunAsync(scenario, copies: 4, iterations: 40);

        Assert.Equal(40, result.Scenarios[0].Stats.Ok);
        Assert.Equal(4, seen.Count);
        Assert.All(seen.Values, ids => Assert.Single(ids.Distinct()));
        Assert.Equal(4, seen.Values.Select(ids => ids.First()).Distinct().Count());
        Assert.Equal(seen.Values.Select(ids => ids.First()).Order(), _echo.Requests.Select(r => r.Headers["X-Id"]).Distinct().Order());
    }

    [Fact]
    public async Task Queue_ThatRunsOut_EndsTheScenarioWithItsMessage_AfterEachRowOnce()
    {
        var feed = DataFeed.FromRows("tickets", Ids(10), FeedStrategy.Queue);

        var result = await RunAsync(HttpScenario.Create("tickets", _target, feed, Create), copies: 4, iterations: 40);

        var scenario = result.Scenarios[0];
        Assert.Equal(10, scenario.Stats.Ok);
        Assert.Equal(0, scenario.Stats.Fail);
        Assert.Equal(10, _echo.Requests.Select(r => r.Target).Distinct().Count());
        Assert.Contains("feed 'tickets' (queue) ran out after its 10 rows", scenario.EndedEarly);
        Assert.Contains(result.Warnings, w => w.Contains("'tickets' ended early", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Random_DrawsOnlyRowsOfTheFeed()
    {
        var feed = DataFeed.FromRows("ids", Ids(3), FeedStrategy.Random);

        var result = await RunAsync(HttpScenario.Create("random", _target, feed, Create), copies: 2, iterations: 30);

        Assert.Equal(30, result.Scenarios[0].Stats.Ok);
        Assert.Subset(new HashSet<string> { "/orders/id-1", "/orders/id-2", "/orders/id-3" }, _echo.Requests.Select(r => r.Target).ToHashSet());
    }

    [Fact]
    public void JsonFeed_TakesStringsAsTheyAre_AndOtherValuesAsTheirJson()
    {
        var path = Path.Combine(_folder, "rows.json");
        File.WriteAllText(path, "[{\"id\":\"a\",\"n\":1,\"ok\":true},{\"id\":\"b\",\"n\":2.5,\"ok\":false}]");
        var feed = DataFeed.FromFile(path, FeedStrategy.Circular);

        Assert.Equal(["id", "n", "ok"], feed.Fields);
        Assert.Equal(2, feed.Count);
    }

    [Fact]
    public void CsvFeed_ReadsQuotedValues_AndRefusesARowOfTheWrongWidth()
    {
        var good = Path.Combine(_folder, "good.csv");
        File.WriteAllText(good, "id,name\r\n1,\"Smith, \"\"J\"\"\"\r\n");
        var bad = Path.Combine(_folder, "bad.csv");
        File.WriteAllText(bad, "id,name\n1\n");

        var feed = DataFeed.FromCsv(good);
        Assert.Equal(["id", "name"], feed.Fields);
        Assert.Equal(1, feed.Count);
        Assert.Contains("line 2", Assert.Throws<ConfigurationException>(() => DataFeed.FromCsv(bad)).Message);
        Assert.Contains("does not exist", Assert.Throws<ConfigurationException>(() => DataFeed.FromCsv(Path.Combine(_folder, "none.csv"))).Message);
    }

    [Fact]
    public void UnknownTemplateField_IsAnErrorBeforeTheRun_NamingTheStepAndTheField()
    {
        var feed = DataFeed.FromRows("ids", Ids(2));
        var step = Http.Step("create", Http.Post("/orders/{{id}}").WithJsonBody("{\"user\":\"{{user}}\"}"));

        var problem = Assert.Throws<ConfigurationException>(() => HttpScenario.Create("orders", _target, feed, step));

        Assert.Contains("step 'create'", problem.Message);
        Assert.Contains("body reads '{{user}}'", problem.Message);
        Assert.Empty(_echo.Requests);
    }
}
