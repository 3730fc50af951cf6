using Harness.Load;
using Harness.LoadTests.Suites;

namespace LoadTests.Tests;

/// <summary>The starvation suite's steps are long enough to measure a mode's requests, not only its transitions.</summary>
public sealed class StarvationSuiteTests
{
    [Fact]
    public void Starvation_EachStepLastsThreeUnloadedRequestsOfItsMode_AndTheDefaultProfileStaysWithinMinutes()
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
        }

        // The sequential modes (10 calls of 500 ms one after another) get 15 s steps, the others the 5 s minimum.
        Assert.Equal(TimeSpan.FromSeconds(15), scenarios.Single(s => s.Name == "sync").Simulations[0].During);
        Assert.Equal(TimeSpan.FromSeconds(15), scenarios.Single(s => s.Name == "dedicated").Simulations[0].During);
        Assert.Equal(TimeSpan.FromSeconds(5), scenarios.Single(s => s.Name == "async").Simulations[0].During);
        var planned = scenarios.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.PlannedDuration!.Value + s.WarmUp);
        Assert.InRange(planned, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(8));
    }
}
