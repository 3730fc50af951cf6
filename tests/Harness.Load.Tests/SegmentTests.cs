using Harness.Testing;

namespace Harness.Load.Tests;

/// <summary>A run divided among N generators: every user, iteration and arrival goes to exactly one segment.</summary>
[Collection(EngineTiming.Name)]
public sealed class SegmentTests : IAsyncLifetime
{
    private LocalServer _server = null!;
    private HttpTarget _target = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync();
        _target = new HttpTarget(_server.BaseAddress, TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        _target.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData(10, 3)]
    [InlineData(2, 3)]
    [InlineData(1, 5)]
    [InlineData(100, 7)]
    [InlineData(7, 7)]
    public void Segments_ShareUsersAndIterations_SoTheSharesAddUpToTheWhole(int users, int generators)
    {
        var segments = Enumerable.Range(1, generators).Select(i => Segment.Of(i, generators)).ToList();

        Assert.Equal(users, segments.Sum(s => s.Users(users)));
        Assert.True(segments.Max(s => s.Users(users)) - segments.Min(s => s.Users(users)) <= 1, "shares differ by more than one user");
        Assert.Equal(1001, segments.Sum(s => s.Iterations(1001, users)));
        Assert.All(segments.Where(s => s.Users(users) == 0), s => Assert.Equal(0, s.Iterations(1001, users)));
    }

    [Fact]
    public void Segments_TakeEveryNthArrival_SoTheirUnionIsTheOneGeneratorSchedule()
    {
        var segments = Enumerable.Range(1, 3).Select(i => Segment.Of(i, 3)).ToList();

        for (long k = 1; k <= 1000; k++)
        {
            Assert.Single(segments, s => s.Takes(k));
        }

        Assert.Equal([1L, 2L, 3L], segments.Select(s => s.FirstArrival));
    }

    [Theory]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("1/0")]
    [InlineData("1-3")]
    [InlineData("a/b")]
    public void Segment_RefusesWhatIsNotIOfN(string text) =>
        Assert.Throws<ConfigurationException>(() => Segment.Parse(text));

    [Fact]
    public async Task ThreeSegments_OfAnOpenAndAClosedIterationRun_SendExactlyTheWholeRun_AndRecordTheirSegment()
    {
        // Far enough ahead that the three runners, cold in this process, are all set up before it on a busy
        // machine; a runner that gets there after it refuses to start.
        var startAt = DateTimeOffset.UtcNow.AddSeconds(3);
        var runs = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => HarnessRunner.RegisterScenarios(
                EngineRun.Get(_target, "open", "/ok", Simulation.IterationsForInject(100, TimeSpan.FromSeconds(1), 31)),
                EngineRun.Get(_target, "closed", "/ok", Simulation.IterationsForConstant(2, 11)).WithGroup("closed"))
            .WithSegment(i, 3)
            .WithStartAt(startAt)
            .WithoutReports()
            .RunAsync()));

        Assert.Equal(42, _server.Count);
        Assert.Equal(31, runs.Sum(r => r.ScenarioStats.Get("open").Stats.Ok));
        Assert.Equal([11, 10, 10], runs.Select(r => r.ScenarioStats.Get("open").Stats.Ok));
        Assert.Equal([6, 5, 0], runs.Select(r => r.ScenarioStats.Get("closed").Stats.Ok));
        Assert.Equal([1, 2, 3], runs.Select(r => r.Segment!.Index));
        Assert.All(runs, r => Assert.Equal(HarnessRunner.DefaultRunId(startAt), r.RunId));
        Assert.All(runs, r => Assert.True(r.StartedAt >= startAt, $"started at {r.StartedAt:O}, before {startAt:O}"));
    }

    [Fact]
    public async Task AStartTimeThatHasPassed_IsRefusedBeforeAnyLoad()
    {
        var run = HarnessRunner.RegisterScenarios(EngineRun.Get(_target, "x", "/ok", Simulation.IterationsForInject(10, TimeSpan.FromSeconds(1), 5)))
            .WithStartAt(DateTimeOffset.UtcNow.AddSeconds(-1))
            .WithoutReports();

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => run.RunAsync());

        Assert.Contains("has passed", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _server.Count);
    }
}
