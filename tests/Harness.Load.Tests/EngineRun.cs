using Harness.Load;

namespace Harness.Load.Tests;

/// <summary>Runs scenarios through the real engine against a local server.</summary>
internal static class EngineRun
{
    public static async Task<RunResult> RunAsync(params ScenarioProps[] scenarios) =>
        await RunAsync(new EngineSettings { DrainTimeout = TimeSpan.FromSeconds(5) }, [], scenarios);

    public static async Task<RunResult> RunAsync(EngineSettings settings, IReadOnlyList<Threshold> thresholds, params ScenarioProps[] scenarios) =>
        await HarnessRunner.RegisterScenarios(scenarios)
            .WithEngineSettings(settings)
            .WithThresholds(thresholds)
            .WithTestName("test")
            .WithoutReports()
            .RunAsync();

    public static ScenarioProps Get(HttpTarget target, string name, string path, params LoadSimulation[] simulations) =>
        Scenario.Create(name, target.Get(path)).WithLoadSimulations(simulations);
}
