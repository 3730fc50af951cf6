using System.Diagnostics;
using TargetApp.Apis;

namespace TargetApp.Tests;

[Collection(TimingCollection.Name)]
public sealed class PreciseDelayTests : IDisposable
{
    private readonly PreciseDelay _delay = new();

    [Fact]
    public async Task ConcurrentWaits_EndCloseToTheirDeadline_NotOnACoarseTick()
    {
        var waits = Enumerable.Range(0, 20).Select(async i =>
        {
            var wanted = TimeSpan.FromMilliseconds(150 + i);
            long started = Stopwatch.GetTimestamp();
            await _delay.WaitAsync(wanted, CancellationToken.None);
            return Stopwatch.GetElapsedTime(started) - wanted;
        }).ToArray();

        var errors = await Task.WhenAll(waits);

        // Designed to fire within ±0.5 ms; a busy shared machine may add a few ms of scheduling.
        Assert.All(errors, error => Assert.InRange(error.TotalMilliseconds, -0.6, 25));
        Assert.True(errors.Order().ElementAt(errors.Length / 2).TotalMilliseconds < 3, "the median wait ends within 3 ms");
    }

    [Fact]
    public async Task CancelledWait_EndsAtOnce_AsCanceled()
    {
        using var cancel = new CancellationTokenSource();
        var wait = _delay.WaitAsync(TimeSpan.FromMinutes(5), cancel.Token);

        await cancel.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(cancel.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task ZeroDelay_CompletesSynchronously_AndCancelledTokenFailsAtOnce()
    {
        Assert.True(_delay.WaitAsync(TimeSpan.Zero, CancellationToken.None).IsCompletedSuccessfully);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _delay.WaitAsync(TimeSpan.FromSeconds(1), new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task Dispose_CancelsWaitsStillPending()
    {
        var delay = new PreciseDelay();
        var wait = delay.WaitAsync(TimeSpan.FromMinutes(5), CancellationToken.None);

        delay.Dispose();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    public void Dispose() => _delay.Dispose();
}
