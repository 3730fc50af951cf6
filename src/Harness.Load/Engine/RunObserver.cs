
namespace Harness.Load;

/// <summary>Hears about a run as it goes (the live console, the engine's own metrics, tests).</summary>
public interface IRunObserver
{
    void OnScenarioStarting(ScenarioProps scenario)
    {
    }

    void OnTick(RunTick tick)
    {
    }

    void OnWarning(string message)
    {
    }
}

/// <summary>One interval of a run: every scenario measuring now, with its latest interval and its totals so far.</summary>
public sealed record RunTick(
    double Elapsed,
    double? PlannedSeconds,
    IReadOnlyList<ScenarioTick> Scenarios,
    GeneratorSample Generator);

/// <summary>One scenario at a tick; <c>TotalFail</c> counts requests answered as failures, not arrivals dropped at the cap (<see cref="TotalDropped"/>).</summary>
public sealed record ScenarioTick(
    string Name,
    IntervalResult Interval,
    long TotalCount,
    long TotalFail,
    double LoadLevel,
    long InFlight,
    bool Finished)
{
    /// <summary>Open model: arrivals not sent so far because the in-flight cap was reached.</summary>
    public long TotalDropped { get; init; }
}
