using Microsoft.Extensions.Logging;

namespace Harness.Load;

/// <summary>What a scenario's function knows about the invocation it is serving.</summary>
public interface IScenarioContext
{
    string ScenarioName { get; }

    /// <summary>The virtual user (NBomber's copy) serving this invocation, from 1; open-model users are reused between arrivals.</summary>
    int UserNumber { get; }

    /// <summary>This invocation's number within the scenario's run, from 1 (warm-up included).</summary>
    long InvocationNumber { get; }

    ILogger Logger { get; }

    /// <summary>The user's own state, kept from one of its invocations to the next.</summary>
    Dictionary<string, object> Data { get; }

    /// <summary>Cancelled when the run stops and in-flight work must end.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>
    /// A sampled W3C <c>traceparent</c> for one of the first <see cref="ScenarioProps.TracedRequests"/>
    /// measured invocations, null for every other: send it as the request's header (<see cref="HttpTarget"/> does).
    /// </summary>
    string? TraceParent { get; }
}

/// <summary>What a scenario's init and clean functions get.</summary>
public interface IScenarioInitContext
{
    string ScenarioName { get; }

    ILogger Logger { get; }

    CancellationToken CancellationToken { get; }
}

internal sealed class ScenarioContext(ScenarioProps scenario, StatsRecorder stats, int userNumber, ILogger logger) : IScenarioContext
{
    public ScenarioProps Scenario { get; } = scenario;

    public StatsRecorder Stats { get; } = stats;

    public string ScenarioName => Scenario.Name;

    public int UserNumber { get; } = userNumber;

    public long InvocationNumber { get; set; }

    public ILogger Logger { get; } = logger;

    public Dictionary<string, object> Data { get; } = [];

    public CancellationToken CancellationToken { get; set; }

    public string? TraceParent { get; set; }
}

internal sealed class ScenarioInitContext(string scenarioName, ILogger logger, CancellationToken cancellationToken) : IScenarioInitContext
{
    public string ScenarioName { get; } = scenarioName;

    public ILogger Logger { get; } = logger;

    public CancellationToken CancellationToken { get; } = cancellationToken;
}
