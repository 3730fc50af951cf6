using System.Runtime.CompilerServices;

namespace LoadTests.Tests;

internal static class TestHostThreadPool
{
    /// <summary>
    /// The engine and the local servers share the test host's thread pool, and the test host
    /// (runner, result reporting) holds some of its threads blocked at times: measured at 4
    /// threads with work queued for 0.8 s in the middle of a run. The engine's own process does
    /// not do that; a larger minimum keeps the test host's habits out of the timings.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize() => ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount * 8), Math.Max(32, Environment.ProcessorCount * 8));
}
