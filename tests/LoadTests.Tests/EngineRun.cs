using Harness.LoadTests.Engine;
using Harness.LoadTests.Reporting;
using Harness.LoadTests.Scenarios;

namespace LoadTests.Tests;

/// <summary>Runs scenarios through the real engine against a local server.</summary>
internal static class EngineRun
{
    public static async Task<RunResult> RunAsync(params Scenario[] scenarios) =>
        await RunAsync(new EngineSettings { DrainTimeout = TimeSpan.FromSeconds(5) }, [], scenarios);

    public static async Task<RunResult> RunAsync(EngineSettings settings, IReadOnlyList<Threshold> thresholds, params Scenario[] scenarios)
    {
        var runner = new LoadRunner(settings, thresholds, null, new NoObserver());
        return await runner.RunAsync(scenarios, new RunResult { Suite = "test" }, CancellationToken.None);
    }

    public static Scenario Get(HttpTarget target, string name, string path, params LoadSimulation[] simulations) =>
        new(name, target.Get(path)) { Simulations = simulations };

    private sealed class NoObserver : IRunObserver;
}
