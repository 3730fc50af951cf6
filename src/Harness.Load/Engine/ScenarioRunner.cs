using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Harness.Load;

/// <summary>
/// Runs one scenario's load simulations: a pool of looping users for closed phases, a scheduler
/// thread for open phases. Open-model latency is measured from each request's intended start, so
/// a server that stalls is charged for every request that should have left during the stall
/// (no coordinated omission); how late requests actually left is recorded on its own.
/// </summary>
internal sealed class ScenarioRunner
{
    private readonly ScenarioProps _scenario;
    private readonly EngineSettings _settings;
    private readonly ILogger _logger;

    // Open-model arrivals borrow a user (its context and Data) and give it back when they finish.
    private readonly ConcurrentStack<ScenarioContext> _idleUsers = new();
    private int _users;
    private readonly Lock _workersLock = new();
    private readonly List<Task> _workers = [];
    private TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile int _targetCopies;
    private volatile bool _stopping;
    private long _iterationsLeft = long.MaxValue;
    private long _invocations;
    private long _completed;
    private int _traced;
    private volatile bool _finished;
    private string? _endedEarly;
    private CancellationTokenSource? _end;

    public ScenarioRunner(ScenarioProps scenario, EngineSettings settings, ILogger logger)
    {
        _scenario = scenario;
        _settings = settings;
        _logger = logger;
        Stats = new StatsRecorder(scenario.Name);
    }

    public ScenarioProps Scenario => _scenario;

    private Segment Share => _settings.Segment;

    public StatsRecorder Stats { get; }

    public bool Finished => _finished;

    public bool Started { get; private set; }

    /// <summary>Why the scenario ended before its simulations did (a queue feed ran out), or null.</summary>
    public string? EndedEarly => Volatile.Read(ref _endedEarly);

    public long MeasuringEndedAt { get; private set; }

    /// <summary>Runs warm-up, then the measured simulations, then drains what is still in flight.</summary>
    /// <param name="stop">Stops launching new requests (Ctrl+C, time limit, abort); in-flight ones still drain.</param>
    /// <param name="runHardStop">Cancels in-flight requests.</param>
    public async Task RunAsync(CancellationToken stop, CancellationToken runHardStop)
    {
        // Requests still out after this scenario's drain are cancelled before the next scenario starts.
        using var own = CancellationTokenSource.CreateLinkedTokenSource(runHardStop);
        var hardStop = own.Token;

        // The scenario itself may end its run early (a queue feed out of rows): it stops launching, and what is in flight drains.
        using var end = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _end = end;
        stop = end.Token;
        try
        {
            if (_scenario.BeforeRun is not null)
            {
                await _scenario.BeforeRun(stop).ConfigureAwait(false);
            }

            if (_scenario.Init is not null)
            {
                await _scenario.Init(new ScenarioInitContext(_scenario.Name, _logger, stop)).ConfigureAwait(false);
            }

            Started = true;
            if (_scenario.WarmUp > TimeSpan.Zero && !stop.IsCancellationRequested)
            {
                using var warmUp = CancellationTokenSource.CreateLinkedTokenSource(stop);
                warmUp.CancelAfter(_scenario.WarmUp);
                await RunPhasesAsync(warmUp.Token, hardStop).ConfigureAwait(false);
                await DrainAsync(hardStop).ConfigureAwait(false);
            }

            Stats.BeginMeasuring(Stopwatch.GetTimestamp());
            if (!stop.IsCancellationRequested)
            {
                await RunPhasesAsync(stop, hardStop).ConfigureAwait(false);
            }

            // What finishes from here on is the drain: load level 0, intervals of its own.
            Stats.EndLoad(Stopwatch.GetTimestamp());
            await DrainAsync(hardStop).ConfigureAwait(false);
        }
        finally
        {
            await own.CancelAsync().ConfigureAwait(false);
            await SettleCancelledAsync().ConfigureAwait(false);
            if (!Stats.IsMeasuring)
            {
                Stats.BeginMeasuring(Stopwatch.GetTimestamp());
            }

            MeasuringEndedAt = Stopwatch.GetTimestamp();
            Stats.EndLoad(MeasuringEndedAt);
            _finished = true;
            if (_scenario.Clean is not null)
            {
                await _scenario.Clean(new ScenarioInitContext(_scenario.Name, _logger, CancellationToken.None)).ConfigureAwait(false);
            }
        }
    }

    private async Task RunPhasesAsync(CancellationToken stop, CancellationToken hardStop)
    {
        _stopping = false;
        double previousLevel = 0;
        foreach (var phase in _scenario.Simulations)
        {
            if (stop.IsCancellationRequested)
            {
                break;
            }

            if (phase.IsOpen)
            {
                SetCopies(0, hardStop);
                Stats.LoadLevel = phase.RateAt(TimeSpan.Zero, previousLevel) / Share.Count;
                await RunOpenPhaseAsync(phase, previousLevel, stop, hardStop).ConfigureAwait(false);
            }
            else
            {
                await RunClosedPhaseAsync(phase, (int)previousLevel, stop, hardStop).ConfigureAwait(false);
            }

            previousLevel = phase.EndLevel(previousLevel);
        }

        SetCopies(0, hardStop);
    }

    private async Task RunClosedPhaseAsync(LoadSimulation phase, int previousCopies, CancellationToken stop, CancellationToken hardStop)
    {
        if (phase is LoadSimulation.IterationsForConstant bounded)
        {
            var copies = Share.Users(bounded.Copies);
            Interlocked.Exchange(ref _iterationsLeft, Share.Iterations(bounded.Iterations, bounded.Copies));
            Stats.LoadLevel = copies;
            SetCopies(copies, hardStop);
            Task[] running;
            lock (_workersLock)
            {
                running = [.. _workers];
            }

            try
            {
                await Task.WhenAll(running).WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopped early: the users finish their current request and leave (see DrainAsync).
            }

            Interlocked.Exchange(ref _iterationsLeft, long.MaxValue);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var completedBefore = Interlocked.Read(ref _completed);
        while (!stop.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            var copies = Share.Users(phase.CopiesAt(elapsed, previousCopies));
            if (elapsed >= phase.During && !NeedsMoreRequests(phase, copies, elapsed, Interlocked.Read(ref _completed) - completedBefore))
            {
                break;
            }

            Stats.LoadLevel = copies;
            SetCopies(copies, hardStop);

            // The phase is defined by wall-clock time; re-reading the plan every 50 ms keeps ramps smooth.
            var wait = elapsed < phase.During ? phase.During - elapsed : TimeSpan.FromMilliseconds(50);
            try
            {
                await Task.Delay(wait < TimeSpan.FromMilliseconds(50) ? wait : TimeSpan.FromMilliseconds(50), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Whether a phase past its minimum length holds on: a keep-constant-until phase that has not yet seen its requests per user, within its cap.</summary>
    private static bool NeedsMoreRequests(LoadSimulation phase, int copies, TimeSpan elapsed, long completed) =>
        phase is LoadSimulation.KeepConstantUntil until && elapsed < until.Max && completed < (long)until.Requests * copies;

    /// <summary>Keeps exactly <paramref name="copies"/> users looping; surplus users leave after their current request.</summary>
    private void SetCopies(int copies, CancellationToken hardStop)
    {
        _targetCopies = copies;
        lock (_workersLock)
        {
            _workers.RemoveAll(w => w.IsCompleted);
            for (int index = _workers.Count; index < copies; index++)
            {
                _workers.Add(UserLoopAsync(_workers.Count, hardStop));
            }
        }
    }

    private async Task UserLoopAsync(int index, CancellationToken hardStop)
    {
        await Task.Yield();
        var user = NewUser();
        while (!hardStop.IsCancellationRequested && index < _targetCopies && !_stopping)
        {
            if (Interlocked.Decrement(ref _iterationsLeft) < 0)
            {
                break;
            }

            var started = Stopwatch.GetTimestamp();
            await InvokeAsync(started, started, user, hardStop).ConfigureAwait(false);
        }
    }

    private Task RunOpenPhaseAsync(LoadSimulation phase, double previousRate, CancellationToken stop, CancellationToken hardStop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A thread of its own: Thread.Sleep is precise to about a millisecond here, while timers
        // step with the kernel's 4 ms tick, and the pool may be busy with the responses.
        var thread = new Thread(() =>
        {
            try
            {
                Schedule(phase, previousRate, stop, hardStop);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = $"scheduler {_scenario.Name}",
        };
        thread.Start();
        return done.Task;
    }

    private void Schedule(LoadSimulation phase, double previousRate, CancellationToken stop, CancellationToken hardStop)
    {
        var arrivals = new ArrivalPlan(phase, previousRate);
        var phaseStart = Stopwatch.GetTimestamp();
        // A segment takes every N-th arrival of the one-generator schedule, at that arrival's time.
        for (long k = Share.FirstArrival; !stop.IsCancellationRequested; k += Share.Count)
        {
            if (arrivals.Offset(k) is not { } offset)
            {
                break;
            }

            var intended = phaseStart + (long)(offset * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() is var now && now < intended)
            {
                var remainingMs = (intended - now) * 1000.0 / Stopwatch.Frequency;
                if (stop.WaitHandle.WaitOne(remainingMs >= 2 ? (int)(remainingMs - 1) : 1))
                {
                    return;
                }
            }

            Stats.LoadLevel = phase.RateAt(TimeSpan.FromSeconds(offset), previousRate) / Share.Count;
            if (Stats.InFlight >= _scenario.MaxInFlight)
            {
                Stats.RecordDropped();
                continue;
            }

            // Started here, not queued to the pool: the request leaves on time even when the
            // pool is busy with answers; only its continuation needs a pool thread.
            _ = InvokeOpenAsync(intended, Stopwatch.GetTimestamp(), hardStop);
        }

        // Wall-clock phases last their whole length even when their last arrival came earlier.
        if (phase.During > TimeSpan.Zero)
        {
            var left = phase.During - Stopwatch.GetElapsedTime(phaseStart);
            if (left > TimeSpan.Zero)
            {
                stop.WaitHandle.WaitOne(left);
            }
        }
    }

    private ScenarioContext NewUser() => new(_scenario, Stats, Interlocked.Increment(ref _users), _logger);

    private async Task InvokeOpenAsync(long intended, long started, CancellationToken hardStop)
    {
        if (!_idleUsers.TryPop(out var user))
        {
            user = NewUser();
        }

        try
        {
            await InvokeAsync(intended, started, user, hardStop).ConfigureAwait(false);
        }
        finally
        {
            _idleUsers.Push(user);
        }
    }

    private async Task InvokeAsync(long intended, long started, ScenarioContext user, CancellationToken hardStop)
    {
        Stats.EnterFlight();
        try
        {
            if (intended != started)
            {
                Stats.RecordLag(started - intended, _settings.LateAfter);
            }

            IResponse result;
            try
            {
                user.InvocationNumber = Interlocked.Increment(ref _invocations);
                user.CancellationToken = hardStop;
                user.TraceParent = NextTraceParent();
                result = await _scenario.Run(user).ConfigureAwait(false);
            }
            catch (StepFailedException ex)
            {
                result = ex.Response;
            }
            catch (FeedExhaustedException ex)
            {
                EndEarly(ex.Message);
                return;
            }
            catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
            {
                Stats.RecordUnfinished(Stopwatch.GetTimestamp() - intended);
                return;
            }
            catch (Exception ex)
            {
                result = Response.Fail(message: ex.Message, error: ErrorKinds.Of(ex));
            }

            if (hardStop.IsCancellationRequested && result.IsError)
            {
                Stats.RecordUnfinished(Stopwatch.GetTimestamp() - intended);
                return;
            }

            Stats.Record(result, Stopwatch.GetTimestamp() - intended);
            Interlocked.Increment(ref _completed);
        }
        finally
        {
            if (Stats.LeaveFlight() == 0 && _stopping)
            {
                _drained.TrySetResult();
            }
        }
    }

    private void EndEarly(string reason)
    {
        if (Interlocked.CompareExchange(ref _endedEarly, reason, null) is null)
        {
            _logger.LogWarning("Scenario {Scenario} ends early: {Reason}", _scenario.Name, reason);
            _stopping = true;
            try
            {
                _end?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The scenario has already finished.
            }
        }
    }

    /// <summary>The trace ids sent sampled, in the order they were sent.</summary>
    public ConcurrentQueue<string> TraceIds { get; } = new();

    // Warm-up requests meet cold services (JIT, connection set-up), which is not the picture a trace should show.
    private string? NextTraceParent()
    {
        if (!Stats.IsMeasuring || Volatile.Read(ref _traced) >= _scenario.TracedRequests || Interlocked.Increment(ref _traced) > _scenario.TracedRequests)
        {
            return null;
        }

        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        TraceIds.Enqueue(traceId);
        return $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
    }

    /// <summary>Waits for in-flight requests up to the drain timeout; what is left is cancelled by the caller's hard stop.</summary>
    private async Task DrainAsync(CancellationToken hardStop)
    {
        _targetCopies = 0;

        // Requests still out after the drain timeout are cancelled with the run and counted as unfinished.
        await WaitForNoneInFlightAsync(_settings.DrainTimeout, hardStop).ConfigureAwait(false);

        Task[] workers;
        lock (_workersLock)
        {
            workers = [.. _workers];
            _workers.Clear();
        }

        if (workers.Length > 0)
        {
            try
            {
                await Task.WhenAll(workers).WaitAsync(_settings.DrainTimeout, hardStop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                // Same as above: the hard stop ends them.
            }
        }

        _stopping = false;
    }

    /// <summary>
    /// Cancelled requests count themselves as unfinished when their continuations run: wait for
    /// them (briefly: a step that ignores its token is not waited for), so the last interval and
    /// the totals include them.
    /// </summary>
    private async Task SettleCancelledAsync()
    {
        // Counted if they end before the totals are read, not waited for any longer.
        await WaitForNoneInFlightAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
        _stopping = false;
    }

    /// <summary>
    /// Marks the scenario as stopping and waits, at most <paramref name="timeout"/> or until
    /// <paramref name="cancellationToken"/>, for the last request in flight to leave (it signals
    /// <see cref="_drained"/>). The caller resets <see cref="_stopping"/> when it is done.
    /// </summary>
    private async Task WaitForNoneInFlightAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _stopping = true;
        if (Stats.InFlight > 0)
        {
            try
            {
                await _drained.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                // Whatever is still out is the caller's to cancel or count.
            }
        }
    }

    /// <summary>When each arrival of an open phase is due: evenly spaced, following linear ramps exactly.</summary>
    private readonly struct ArrivalPlan(LoadSimulation phase, double previousRate)
    {
        /// <summary>Seconds from the phase's start at which arrival <paramref name="k"/> (from 1) is due, or null past the phase's end.</summary>
        public double? Offset(long k)
        {
            var n = k - 0.5;
            switch (phase)
            {
                case LoadSimulation.IterationsForInject bounded:
                    return k > bounded.Iterations ? null : n / phase.RateAt(TimeSpan.Zero, previousRate);
                case LoadSimulation.Inject inject:
                    {
                        var t = n / phase.RateAt(TimeSpan.Zero, previousRate);
                        return t < inject.During.TotalSeconds ? t : null;
                    }

                case LoadSimulation.RampingInject ramp:
                    {
                        // Arrivals so far N(t) = a t + b t² / 2 with the rate a + b t: solve N(t) = k − ½.
                        var duration = ramp.During.TotalSeconds;
                        var a = previousRate;
                        var b = (phase.RateAt(ramp.During, previousRate) - a) / duration;
                        double t;
                        if (Math.Abs(b) < 1e-12)
                        {
                            if (a <= 0)
                            {
                                return null;
                            }

                            t = n / a;
                        }
                        else
                        {
                            var discriminant = a * a + 2 * b * n;
                            if (discriminant < 0)
                            {
                                return null;
                            }

                            t = (-a + Math.Sqrt(discriminant)) / b;
                        }

                        return t >= 0 && t < duration ? t : null;
                    }

                default:
                    return null;
            }
        }
    }
}
