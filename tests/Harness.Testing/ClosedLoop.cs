using System.Diagnostics;

namespace Harness.Testing;

/// <summary>
/// A bounded closed-model load: <c>concurrency</c> workers each send one request after another
/// until the time is up, then every request still in flight is abandoned. Nothing outlives the call.
/// </summary>
public static class ClosedLoop
{
    public sealed record Result(int Completed, int Failed, int Abandoned, TimeSpan Duration)
    {
        public double Throughput => Completed / Duration.TotalSeconds;
    }

    public static async Task<Result> RunAsync(HttpClient client, string path, int concurrency, TimeSpan duration)
    {
        int completed = 0, failed = 0, abandoned = 0;
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync(path, stop.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref completed);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref abandoned);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);
        return new Result(completed, failed, abandoned, clock.Elapsed);
    }
}
