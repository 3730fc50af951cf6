
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
    private readonly IReadOnlyList<IntervalResult>? _intervals;

    /// <summary>Open model: arrivals not sent so far because the in-flight cap was reached.</summary>
    public long TotalDropped { get; init; }

    /// <summary>
    /// Every interval closed at this tick, oldest first: <see cref="Interval"/> alone, or the load's
    /// last and the drain's first when the load ended since the last tick. An observer that adds
    /// intervals up (the engine's metrics) reads them all, or it loses the load's last.
    /// </summary>
    public IReadOnlyList<IntervalResult> Intervals
    {
        get => _intervals ?? [Interval];
        init => _intervals = value;
    }
}
