using System.Diagnostics;

namespace Harness.Load;

/// <summary>
/// A measured part of a scenario, as in NBomber: <c>await Step.Run("login", ctx, async () =&gt; ...)</c>.
/// Each step has its own latency histogram and counts per interval in the results and reports.
/// </summary>
public static class Step
{
    /// <summary>
    /// Runs and measures <paramref name="run"/>. An exception becomes a failed response named by its
    /// kind. When the step fails and the scenario restarts iterations on failure (the default), the
    /// invocation ends here and counts as failed with this step's response.
    /// </summary>
    public static async Task<IResponse> Run(string name, IScenarioContext context, Func<Task<IResponse>> run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(run);
        if (context is not ScenarioContext own)
        {
            throw new ArgumentException("Step.Run needs the context the engine passed to the scenario.", nameof(context));
        }

        var stats = own.Stats.Step(name);
        var started = Stopwatch.GetTimestamp();
        IResponse response;
        try
        {
            response = await run().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (own.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not StepFailedException and not FeedExhaustedException)
        {
            response = Response.Fail(message: ex.Message, error: ErrorKinds.Of(ex));
        }

        // A failure caused by the run's hard stop is the stop's, not the server's.
        if (!(response.IsError && own.CancellationToken.IsCancellationRequested))
        {
            stats.Record(response, Stopwatch.GetTimestamp() - started);
        }

        if (response.IsError && own.Scenario.RestartIterationOnFail)
        {
            throw new StepFailedException(name, response);
        }

        return response;
    }
}

/// <summary>Ends an invocation at a failed step; the scenario's runner counts it as that step's failure.</summary>
internal sealed class StepFailedException(string step, IResponse response) : Exception($"step '{step}' failed: {response}")
{
    public IResponse Response { get; } = response;
}
