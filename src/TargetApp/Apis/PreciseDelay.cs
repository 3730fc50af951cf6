using System.Diagnostics;

namespace TargetApp.Apis;

/// <summary>
/// An asynchronous delay accurate to about half a millisecond: one timer thread for the whole
/// process waits for the earliest deadline and completes the tasks that are due. No thread is
/// held per waiting request, exactly as with <see cref="Task.Delay(TimeSpan, CancellationToken)"/>.
/// </summary>
/// <remarks>
/// <see cref="Task.Delay(TimeSpan, CancellationToken)"/> runs on the runtime's timer queue, which
/// counts time with <see cref="Environment.TickCount64"/>; on Linux that is the coarse monotonic
/// clock (4 ms steps at HZ=250), so ten concurrent 1 s delays end 1–4 ms late. The downstream's
/// delay is the unit every figure in the harness is measured in, so it is made exact here.
/// </remarks>
public sealed class PreciseDelay : IDisposable
{
    private static readonly long HalfMillisecond = Stopwatch.Frequency / 2000;

    private readonly PriorityQueue<Waiter, long> _due = new();
    private readonly object _gate = new();
    private readonly Thread _thread;
    private bool _disposed;

    public PreciseDelay()
    {
        _thread = new Thread(Run, maxStackSize: 128 * 1024) { IsBackground = true, Name = "harness-precise-delay" };
        _thread.Start();
    }

    public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        long deadline = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        var waiter = new Waiter(cancellationToken);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _due.Enqueue(waiter, deadline);
            if (_due.TryPeek(out var first, out _) && ReferenceEquals(first, waiter))
            {
                Monitor.Pulse(_gate);
            }
        }

        return waiter.Task;
    }

    private void Run()
    {
        var ready = new List<Waiter>();
        while (true)
        {
            lock (_gate)
            {
                while (ready.Count == 0)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    if (!_due.TryPeek(out _, out long deadline))
                    {
                        Monitor.Wait(_gate);
                        continue;
                    }

                    long remaining = deadline - Stopwatch.GetTimestamp();
                    if (remaining <= HalfMillisecond)
                    {
                        while (_due.TryPeek(out _, out deadline) && deadline - Stopwatch.GetTimestamp() <= HalfMillisecond)
                        {
                            ready.Add(_due.Dequeue());
                        }
                    }
                    else
                    {
                        // Monitor waits in whole milliseconds against a precise clock: round to the nearest.
                        Monitor.Wait(_gate, (int)Math.Max(1, Math.Round(remaining * 1000.0 / Stopwatch.Frequency)));
                    }
                }
            }

            // Continuations run on the pool (RunContinuationsAsynchronously), never on this thread.
            foreach (var waiter in ready)
            {
                waiter.Complete();
            }

            ready.Clear();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.Pulse(_gate);
        }

        _thread.Join();
        while (_due.TryDequeue(out var waiter, out _))
        {
            waiter.Cancel();
        }
    }

    private sealed class Waiter : TaskCompletionSource
    {
        private readonly CancellationTokenRegistration _registration;

        public Waiter(CancellationToken cancellationToken)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(
                    static (state, token) => ((Waiter)state!).TrySetCanceled(token), this);
            }
        }

        public void Complete()
        {
            _registration.Dispose();
            TrySetResult();
        }

        public void Cancel()
        {
            _registration.Dispose();
            TrySetCanceled();
        }
    }
}
