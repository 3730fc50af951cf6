using Harness.Load;

namespace Harness.LoadTests.Cli;

/// <summary>Several observers heard as one: the live console, the engine's own metrics, a test's.</summary>
internal sealed class Observers(IEnumerable<IRunObserver> observers) : IRunObserver
{
    private readonly IRunObserver[] _observers = [.. observers];

    public void OnScenarioStarting(ScenarioProps scenario)
    {
        foreach (var o in _observers)
        {
            o.OnScenarioStarting(scenario);
        }
    }

    public void OnTick(RunTick tick)
    {
        foreach (var o in _observers)
        {
            o.OnTick(tick);
        }
    }

    public void OnWarning(string message)
    {
        foreach (var o in _observers)
        {
            o.OnWarning(message);
        }
    }
}
