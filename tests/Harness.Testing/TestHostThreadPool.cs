namespace Harness.Testing;

/// <summary>
/// The engine and the local servers share the test host's thread pool with the runner, which
/// holds some of its threads blocked at times (measured at 4 threads with work queued for 0.8 s
/// in the middle of a run). A run in the engine's own process does not; a larger minimum keeps
/// the test host's habits out of the timings. Only for assemblies that measure no starvation:
/// TargetApp.Tests must keep the default pool, since it shows the blocking modes starve it.
/// </summary>
public static class TestHostThreadPool
{
    public static void Widen()
    {
        var threads = Math.Max(32, Environment.ProcessorCount * 8);
        ThreadPool.SetMinThreads(threads, threads);
    }
}
