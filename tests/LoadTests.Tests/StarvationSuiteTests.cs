using Harness.Load;
using Harness.LoadTests.Suites;

namespace LoadTests.Tests;

/// <summary>The starvation suite's steps are long enough to measure a mode's requests, not only its transitions.</summary>
public sealed class StarvationSuiteTests
{
    [Fact]
    public void Starvation_EachStepLastsThreeUnloadedRequestsOfItsMode_ThenThreeAnswersPerUser_AndTheDefaultProfileStaysWithinMinutes()
    {
        using var target = new HttpTarget(new Uri("http://127.0.0.1:1/"), TimeSpan.FromSeconds(1));
        var profile = Profile.Named("default");

        var scenarios = Suite.Build(Suite.Starvation, profile, target, null);

        foreach (var scenario in scenarios)
        {
            var mode = Suite.Modes.Single(m => m.Name == scenario.Name);
            var request = TimeSpan.FromMilliseconds((mode.Sequential ? profile.FanOut : 1) * profile.DelayMs);
            Assert.Equal(profile.Steps.Count, scenario.Simulations.Count);
            Assert.All(scenario.Simulations, step => Assert.True(step.During >= 3 * request && step.During >= profile.StepDuration, $"{mode.Name}: a {step.During} step for {request} requests"));

            // Past the knee a request outlasts the unloaded ones: the step holds on for 3 answers per user at its own latency, up to 20 s.
            Assert.All(scenario.Simulations, step =>
            {
                var until = Assert.IsType<LoadSimulation.KeepConstantUntil>(step);
                Assert.Equal(3, until.Requests);
                Assert.Equal(TimeSpan.FromSeconds(20), until.Max);
                Assert.Null(until.Problem());
            });
        }

        // The sequential modes (10 calls of 500 ms one after another) get 15 s steps, the others the 5 s minimum.
        Assert.Equal(TimeSpan.FromSeconds(15), scenarios.Single(s => s.Name == "sync").Simulations[0].During);
        Assert.Equal(TimeSpan.FromSeconds(15), scenarios.Single(s => s.Name == "dedicated").Simulations[0].During);
        Assert.Equal(TimeSpan.FromSeconds(5), scenarios.Single(s => s.Name == "async").Simulations[0].During);
        // At least 5–8 min when every step ends at its minimum (the unloaded modes do); at most 17 min if every step ran to its cap.
        var planned = scenarios.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.PlannedDuration!.Value + s.WarmUp);
        Assert.InRange(planned, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(8));
        var ceiling = scenarios.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Simulations.Cast<LoadSimulation.KeepConstantUntil>().Aggregate(TimeSpan.Zero, (t, step) => t + step.Max) + s.WarmUp);
        Assert.InRange(ceiling, TimeSpan.FromMinutes(12), TimeSpan.FromMinutes(17));
    }
}
