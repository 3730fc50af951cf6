namespace Harness.Load;

/// <summary>
/// One phase of load, in NBomber's vocabulary. Closed phases keep a number of virtual users
/// ("copies") each invoking the step in a loop; open phases inject invocations at a rate whatever
/// the server's answers do, which is what exposes a stalled server.
/// </summary>
public abstract record LoadSimulation
{
    private LoadSimulation()
    {
    }

    /// <summary>The phase's length (zero for iteration-bounded phases).</summary>
    public abstract TimeSpan During { get; }

    public abstract bool IsOpen { get; }

    /// <summary>Closed: exactly <paramref name="Copies"/> users for the whole phase.</summary>
    public sealed record KeepConstant(int Copies, TimeSpan During) : LoadSimulation
    {
        public override TimeSpan During { get; } = During;

        public override bool IsOpen => false;
    }

    /// <summary>
    /// Closed: <paramref name="Copies"/> users for at least <paramref name="During"/>, then on until the
    /// phase has seen <paramref name="Requests"/> finished invocations per user, so that it measures a few
    /// requests at whatever latency it meets; never longer than <paramref name="Max"/>.
    /// </summary>
    public sealed record KeepConstantUntil(int Copies, TimeSpan During, int Requests, TimeSpan Max) : LoadSimulation
    {
        public override TimeSpan During { get; } = During;

        public override bool IsOpen => false;
    }

    /// <summary>Closed: users go linearly from the previous phase's count to <paramref name="Copies"/>.</summary>
    public sealed record RampingConstant(int Copies, TimeSpan During) : LoadSimulation
    {
        public override TimeSpan During { get; } = During;

        public override bool IsOpen => false;
    }

    /// <summary>Open: <paramref name="Rate"/> invocations per <paramref name="Interval"/>, evenly spaced; fractional rates allowed.</summary>
    public sealed record Inject(double Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation
    {
        public override TimeSpan During { get; } = During;

        public override bool IsOpen => true;
    }

    /// <summary>Open: the rate goes linearly from the previous phase's rate to <paramref name="Rate"/>.</summary>
    public sealed record RampingInject(double Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation
    {
        public override TimeSpan During { get; } = During;

        public override bool IsOpen => true;
    }

    /// <summary>Closed: <paramref name="Copies"/> users share <paramref name="Iterations"/> invocations, then stop.</summary>
    public sealed record IterationsForConstant(int Copies, long Iterations) : LoadSimulation
    {
        public override TimeSpan During => TimeSpan.Zero;

        public override bool IsOpen => false;
    }

    /// <summary>Open: <paramref name="Iterations"/> invocations at <paramref name="Rate"/> per <paramref name="Interval"/>.</summary>
    public sealed record IterationsForInject(double Rate, TimeSpan Interval, long Iterations) : LoadSimulation
    {
        public override TimeSpan During => TimeSpan.Zero;

        public override bool IsOpen => true;
    }

    /// <summary>No load for a while.</summary>
    public sealed record Pause(TimeSpan During) : LoadSimulation
    {
        public override TimeSpan During { get; } = During;

        public override bool IsOpen => false;
    }

    /// <summary>The reason this phase cannot run, or null when it can.</summary>
    public string? Problem() => this switch
    {
        KeepConstant k when k.Copies < 1 => $"keep-constant needs copies ≥ 1 (got {k.Copies})",
        KeepConstantUntil u when u.Copies < 1 || u.Requests < 1 => $"keep-constant-until needs copies ≥ 1 and requests ≥ 1 (got {u.Copies}, {u.Requests})",
        KeepConstantUntil u when u.Max < u.During => $"keep-constant-until needs max ≥ during (got {Durations.Format(u.Max)} < {Durations.Format(u.During)})",
        RampingConstant r when r.Copies < 0 => $"ramping-constant needs copies ≥ 0 (got {r.Copies})",
        Inject i when !(i.Rate > 0) || double.IsInfinity(i.Rate) => $"inject needs a rate > 0 (got {i.Rate})",
        RampingInject r when !(r.Rate >= 0) || double.IsInfinity(r.Rate) => $"ramping-inject needs a rate ≥ 0 (got {r.Rate})",
        Inject { Interval.Ticks: <= 0 } or RampingInject { Interval.Ticks: <= 0 } or IterationsForInject { Interval.Ticks: <= 0 } => "interval must be positive",
        IterationsForConstant c when c.Copies < 1 || c.Iterations < 1 => $"iterations-for-constant needs copies ≥ 1 and iterations ≥ 1 (got {c.Copies}, {c.Iterations})",
        IterationsForInject i when !(i.Rate > 0) || i.Iterations < 1 => $"iterations-for-inject needs a rate > 0 and iterations ≥ 1 (got {i.Rate}, {i.Iterations})",
        _ when During < TimeSpan.Zero => "during must not be negative",
        KeepConstant or KeepConstantUntil or RampingConstant or Inject or RampingInject or Pause when During == TimeSpan.Zero => "during must be positive",
        _ => null,
    };

    /// <summary>Invocations per second this open phase asks for at <paramref name="elapsed"/>, starting from <paramref name="previousRate"/>.</summary>
    internal double RateAt(TimeSpan elapsed, double previousRate) => this switch
    {
        Inject i => i.Rate / i.Interval.TotalSeconds,
        IterationsForInject i => i.Rate / i.Interval.TotalSeconds,
        RampingInject r => previousRate + ((r.Rate / r.Interval.TotalSeconds) - previousRate) * Math.Clamp(elapsed / r.During, 0, 1),
        _ => 0,
    };

    /// <summary>Users this closed phase asks for at <paramref name="elapsed"/>, starting from <paramref name="previousCopies"/>.</summary>
    internal int CopiesAt(TimeSpan elapsed, int previousCopies) => this switch
    {
        KeepConstant k => k.Copies,
        KeepConstantUntil u => u.Copies,
        IterationsForConstant c => c.Copies,
        RampingConstant r => (int)Math.Round(previousCopies + (r.Copies - previousCopies) * Math.Clamp(elapsed / r.During, 0, 1)),
        _ => 0,
    };

    /// <summary>The load level this phase ends on (users or invocations per second), where the next ramp starts.</summary>
    internal double EndLevel(double previous) => this switch
    {
        KeepConstant k => k.Copies,
        KeepConstantUntil u => u.Copies,
        RampingConstant r => r.Copies,
        IterationsForConstant c => c.Copies,
        Inject i => i.Rate / i.Interval.TotalSeconds,
        RampingInject r => r.Rate / r.Interval.TotalSeconds,
        IterationsForInject i => i.Rate / i.Interval.TotalSeconds,
        _ => 0,
    };

    public sealed override string ToString() => this switch
    {
        KeepConstant k => $"keep-constant {k.Copies} users for {Durations.Format(k.During)}",
        KeepConstantUntil u => $"keep-constant {u.Copies} users for {Durations.Format(u.During)} until {u.Requests} requests each (at most {Durations.Format(u.Max)})",
        RampingConstant r => $"ramping-constant to {r.Copies} users over {Durations.Format(r.During)}",
        Inject i => $"inject {i.Rate:0.###}/{Durations.Format(i.Interval)} for {Durations.Format(i.During)}",
        RampingInject r => $"ramping-inject to {r.Rate:0.###}/{Durations.Format(r.Interval)} over {Durations.Format(r.During)}",
        IterationsForConstant c => $"{c.Iterations} iterations by {c.Copies} users",
        IterationsForInject i => $"{i.Iterations} iterations at {i.Rate:0.###}/{Durations.Format(i.Interval)}",
        Pause p => $"pause {Durations.Format(p.During)}",
        _ => GetType().Name,
    };
}
