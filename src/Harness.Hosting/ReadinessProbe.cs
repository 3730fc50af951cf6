namespace Harness.Hosting;

/// <summary>
/// Waits for a service to say it is ready: probes a path on each of its addresses until one
/// answers 2xx or the overall deadline passes.
/// </summary>
/// <remarks>
/// A probe that gets no answer within its own timeout is one failed attempt, like a refused
/// connection or a 503, and the next one follows: on a busy machine a service that has just
/// started (JIT, first requests, a thread pool still growing) may take seconds to answer its first
/// probe. Only the overall deadline ends the wait.
/// </remarks>
public static class ReadinessProbe
{
    /// <summary>How long to wait between two rounds of probes.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Returns the first address whose <paramref name="path"/> answered 2xx. Before each round,
    /// <paramref name="beforeEachRound"/> may throw (e.g. the process exited). When
    /// <paramref name="deadline"/> is cancelled, throws <see cref="OperationCanceledException"/>;
    /// <paramref name="onProblem"/> has then been told why the last probe failed.
    /// </summary>
    public static async Task<Uri> WaitAsync(
        Func<IReadOnlyList<Uri>> addresses,
        string path,
        TimeSpan probeTimeout,
        CancellationToken deadline,
        Action? beforeEachRound = null,
        Action<string>? onProblem = null,
        HttpMessageHandler? handler = null)
    {
        using var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.Timeout = Timeout.InfiniteTimeSpan; // each probe has its own timeout, below
        while (true)
        {
            deadline.ThrowIfCancellationRequested();
            beforeEachRound?.Invoke();
            foreach (var address in addresses())
            {
                var url = new Uri(address, path);
                using var probe = CancellationTokenSource.CreateLinkedTokenSource(deadline);
                probe.CancelAfter(probeTimeout);
                try
                {
                    using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, probe.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        return address;
                    }

                    onProblem?.Invoke($"{url} answered {(int)response.StatusCode}");
                }
                catch (HttpRequestException ex)
                {
                    onProblem?.Invoke($"{url}: {ex.Message}");
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    // This probe's own timeout, not the deadline: the service is slow, not gone.
                    onProblem?.Invoke($"{url} gave no answer within {probeTimeout.TotalSeconds:0.#} s");
                }
            }

            // Polling another process's readiness: there is nothing to await but the next attempt.
            await Task.Delay(Pause, deadline).ConfigureAwait(false);
        }
    }
}
