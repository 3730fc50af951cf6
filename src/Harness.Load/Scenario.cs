namespace Harness.Load;

/// <summary>Where scenarios start, as in NBomber: <c>Scenario.Create(name, async ctx =&gt; ...)</c>.</summary>
public static class Scenario
{
    /// <summary>A scenario that invokes <paramref name="run"/> again and again under its load simulations; what it returns is the invocation's outcome.</summary>
    public static ScenarioProps Create(string name, Func<IScenarioContext, Task<IResponse>> run) => new(name, run);
}

/// <summary>
/// A named unit of load (NBomber's vocabulary): an async function invoked again and again under
/// the scenario's load simulations, with optional init/clean and a warm-up whose results are not
/// counted. Immutable: every <c>With…</c> returns a changed copy.
/// </summary>
public sealed record ScenarioProps
{
    public ScenarioProps(string name, Func<IScenarioContext, Task<IResponse>> run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(run);
        Name = name;
        Run = run;
    }

    public string Name { get; }

    public Func<IScenarioContext, Task<IResponse>> Run { get; }

    public IReadOnlyList<LoadSimulation> Simulations { get; init; } = [];

    /// <summary>Run the simulations from their start for this long first and discard what it measures.</summary>
    public TimeSpan WarmUp { get; init; }

    public Func<IScenarioInitContext, Task>? Init { get; init; }

    public Func<IScenarioInitContext, Task>? Clean { get; init; }

    /// <summary>Stop the run once the scenario has failed more than this many times (0: never).</summary>
    public int MaxFailCount { get; init; }

    /// <summary>When a <see cref="Step"/> fails, end the invocation there as failed (NBomber's default) instead of running the rest.</summary>
    public bool RestartIterationOnFail { get; init; } = true;

    /// <summary>Open model only: requests in flight at most; an arrival beyond it is dropped and counted.</summary>
    public int MaxInFlight { get; init; } = 10_000;

    /// <summary>Scenarios with the same group run one after another; different groups run at the same time.</summary>
    public string Group { get; init; } = "";

    /// <summary>Free-form facts carried into the report (the aggregation mode, the URL).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Called before each run of this scenario, before init, e.g. to restart the services it measures on fresh processes.</summary>
    public Func<CancellationToken, Task>? BeforeRun { get; init; }

    /// <summary>
    /// How many of the first measured invocations (after warm-up) carry a sampled W3C
    /// <c>traceparent</c> (<see cref="IScenarioContext.TraceParent"/>), so a service with a
    /// parent-based sampler records their traces whatever its ratio; their trace ids land in
    /// <see cref="ScenarioResult.TraceIds"/>. The rest carry none and are sampled by the services' own ratio.
    /// </summary>
    public int TracedRequests { get; init; } = 3;

    /// <summary>How long a planned run takes (warm-up excluded); null when it is bounded by iterations.</summary>
    public TimeSpan? PlannedDuration =>
        Simulations.Any(s => s is LoadSimulation.IterationsForConstant or LoadSimulation.IterationsForInject)
            ? null
            : Simulations.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.During);

    public ScenarioProps WithLoadSimulations(params LoadSimulation[] simulations) => this with { Simulations = [.. simulations] };

    public ScenarioProps WithWarmUpDuration(TimeSpan duration) => this with { WarmUp = duration };

    public ScenarioProps WithoutWarmUp() => this with { WarmUp = TimeSpan.Zero };

    public ScenarioProps WithInit(Func<IScenarioInitContext, Task> init) => this with { Init = init };

    public ScenarioProps WithClean(Func<IScenarioInitContext, Task> clean) => this with { Clean = clean };

    public ScenarioProps WithMaxFailCount(int maxFailCount) => this with { MaxFailCount = maxFailCount };

    public ScenarioProps WithRestartIterationOnFail(bool shouldRestart) => this with { RestartIterationOnFail = shouldRestart };

    public ScenarioProps WithMaxInFlight(int maxInFlight) => this with { MaxInFlight = maxInFlight };

    public ScenarioProps WithGroup(string group) => this with { Group = group };

    public ScenarioProps WithTracedRequests(int count) => this with { TracedRequests = count };

    public ScenarioProps WithLabels(IReadOnlyDictionary<string, string> labels) => this with { Labels = labels };

    /// <summary>The reason this scenario cannot run, or null when it can.</summary>
    public string? Problem()
    {
        if (Simulations.Count == 0)
        {
            return $"scenario '{Name}' has no load simulation: add one with .WithLoadSimulations(Simulation.Inject(...)) or another Simulation.";
        }

        if (WarmUp < TimeSpan.Zero)
        {
            return $"scenario '{Name}': the warm-up must not be negative.";
        }

        if (MaxFailCount < 0 || MaxInFlight < 1)
        {
            return $"scenario '{Name}': max fail count must be ≥ 0 and max in flight ≥ 1.";
        }

        return Simulations.Select((s, i) => s.Problem() is { } problem ? $"scenario '{Name}', simulation {i + 1} ({s}): {problem}." : null).FirstOrDefault(p => p is not null);
    }
}
