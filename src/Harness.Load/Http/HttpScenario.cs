namespace Harness.Load;

/// <summary>
/// A scenario of HTTP requests without writing its function: each invocation takes the feed's
/// next row (when there is a feed) and sends the steps in order, each measured as its own
/// <see cref="Step"/>. Scenario files build their scenarios with it, so a file and the same
/// scenario written in C# run the same code.
/// </summary>
public static class HttpScenario
{
    /// <summary>Checks every placeholder against the feed's fields now, before any load: an unknown field is a <see cref="ConfigurationException"/>.</summary>
    public static ScenarioProps Create(string name, HttpTarget target, DataFeed? feed, params HttpStep[] steps)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (steps.Length == 0)
        {
            throw new ConfigurationException($"scenario '{name}' has no steps.");
        }

        foreach (var step in steps)
        {
            if (step.Request.Problem(feed?.Fields) is { } problem)
            {
                throw new ConfigurationException($"scenario '{name}', step '{step.Name}': {problem}.");
            }
        }

        return Scenario.Create(name, async context =>
        {
            var row = feed?.Next(context);
            IResponse? failed = null;
            IResponse last = Response.Ok();
            foreach (var step in steps)
            {
                var request = step.Request;
                last = await Step.Run(step.Name, context, () => target.SendAsync(request, context, row)).ConfigureAwait(false);
                failed ??= last.IsError ? last : null;
            }

            // Without restart-on-fail the later steps still run, but the invocation is the first failure's.
            return failed ?? last;
        });
    }
}
