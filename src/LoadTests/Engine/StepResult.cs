namespace Harness.LoadTests.Engine;

/// <summary>What one invocation of a scenario's step returned: ok or failed, with the status and bytes received.</summary>
public readonly record struct StepResult(bool IsOk, int StatusCode, long Bytes, string? Error)
{
    public static StepResult Ok(int statusCode = 200, long bytes = 0) => new(true, statusCode, bytes, null);

    /// <summary>A failure; <paramref name="error"/> is a short kind (<c>http_503</c>, <c>refused</c>, <c>timeout</c>) counted in the report.</summary>
    public static StepResult Fail(string error, int statusCode = 0, long bytes = 0) => new(false, statusCode, bytes, error);
}
