namespace Harness.Load;

/// <summary>The load simulations by NBomber's names; see <see cref="LoadSimulation"/> for what each does.</summary>
public static class Simulation
{
    /// <summary>Open: <paramref name="rate"/> invocations per <paramref name="interval"/>, evenly spaced, for <paramref name="during"/>.</summary>
    public static LoadSimulation Inject(double rate, TimeSpan interval, TimeSpan during) => new LoadSimulation.Inject(rate, interval, during);

    /// <summary>Open: the rate goes linearly from the previous simulation's to <paramref name="rate"/> per <paramref name="interval"/>.</summary>
    public static LoadSimulation RampingInject(double rate, TimeSpan interval, TimeSpan during) => new LoadSimulation.RampingInject(rate, interval, during);

    /// <summary>Closed: exactly <paramref name="copies"/> users, each invoking the scenario in a loop.</summary>
    public static LoadSimulation KeepConstant(int copies, TimeSpan during) => new LoadSimulation.KeepConstant(copies, during);

    /// <summary>
    /// Closed: <paramref name="copies"/> users for at least <paramref name="during"/> and until they have finished
    /// <paramref name="requests"/> invocations each on average (so the phase lasts a few requests at the latency
    /// it meets), at most <paramref name="max"/>.
    /// </summary>
    public static LoadSimulation KeepConstantUntil(int copies, TimeSpan during, int requests, TimeSpan max) => new LoadSimulation.KeepConstantUntil(copies, during, requests, max);

    /// <summary>Closed: users go linearly from the previous simulation's count to <paramref name="copies"/>.</summary>
    public static LoadSimulation RampingConstant(int copies, TimeSpan during) => new LoadSimulation.RampingConstant(copies, during);

    /// <summary>Closed: <paramref name="copies"/> users share <paramref name="iterations"/> invocations, then stop.</summary>
    public static LoadSimulation IterationsForConstant(int copies, long iterations) => new LoadSimulation.IterationsForConstant(copies, iterations);

    /// <summary>Open: <paramref name="iterations"/> invocations at <paramref name="rate"/> per <paramref name="interval"/>.</summary>
    public static LoadSimulation IterationsForInject(double rate, TimeSpan interval, long iterations) => new LoadSimulation.IterationsForInject(rate, interval, iterations);

    /// <summary>No load for <paramref name="during"/>.</summary>
    public static LoadSimulation Pause(TimeSpan during) => new LoadSimulation.Pause(during);
}
