namespace Harness.LoadTests.Engine;

/// <summary>
/// A named unit of load (NBomber's vocabulary): an async step invoked again and again under the
/// scenario's load simulations, with optional init/clean and a warm-up whose results are not counted.
/// </summary>
public sealed record Scenario
{
    public Scenario(string name, Func<ScenarioContext, Task<StepResult>> step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Step = step;
    }

    public string Name { get; }

    public Func<ScenarioContext, Task<StepResult>> Step { get; }

    public IReadOnlyList<LoadSimulation> Simulations { get; init; } = [];

    /// <summary>Run the simulations from their start for this long first and discard what it measures.</summary>
    public TimeSpan WarmUp { get; init; }

    public Func<CancellationToken, Task>? Init { get; init; }

    public Func<CancellationToken, Task>? Clean { get; init; }

    /// <summary>Open model only: requests in flight at most; an arrival beyond it is dropped and counted.</summary>
    public int MaxInFlight { get; init; } = 10_000;

    /// <summary>Scenarios with the same group run one after another; different groups run at the same time.</summary>
    public string Group { get; init; } = "";

    /// <summary>Free-form facts carried into the report (the aggregation mode, the URL).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Called before each run of this scenario, e.g. to restart the services it measures on fresh processes.</summary>
    public Func<CancellationToken, Task>? BeforeRun { get; init; }

    /// <summary>How long a planned run takes (warm-up excluded); null when it is bounded by iterations.</summary>
    public TimeSpan? PlannedDuration =>
        Simulations.Any(s => s is LoadSimulation.IterationsForConstant or LoadSimulation.IterationsForInject)
            ? null
            : Simulations.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.During);
}

/// <summary>What a step knows about the invocation it is serving.</summary>
public sealed class ScenarioContext
{
    internal ScenarioContext(Scenario scenario, long invocation, CancellationToken cancellationToken)
    {
        Scenario = scenario;
        InvocationNumber = invocation;
        CancellationToken = cancellationToken;
    }

    public Scenario Scenario { get; }

    public long InvocationNumber { get; }

    public CancellationToken CancellationToken { get; }
}
