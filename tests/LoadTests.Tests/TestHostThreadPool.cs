using System.Runtime.CompilerServices;

namespace LoadTests.Tests;

internal static class TestHostThreadPoolSetup
{
    /// <summary>Keeps the test host's blocked threads out of the engine's timings (see <see cref="Harness.Testing.TestHostThreadPool"/>).</summary>
    [ModuleInitializer]
    internal static void Initialize() => Harness.Testing.TestHostThreadPool.Widen();
}
