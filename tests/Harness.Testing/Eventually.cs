namespace Harness.Testing;

/// <summary>
/// Waits for a condition another process will make true (a metric recorded, a replica back in
/// rotation), checking it every 50 ms, and fails with what was awaited if it never does.
/// </summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"Timed out waiting for {what}.");
            await Task.Delay(50, CancellationToken.None);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);
}
