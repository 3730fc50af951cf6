using System.ComponentModel.DataAnnotations;

namespace Harness.ServiceDefaults;

/// <summary>
/// The thread-pool knob: the .NET analogue of uvicorn's <c>--workers</c> in the seed. Raising the
/// minimum lets the pool create threads at once instead of injecting about one per second.
/// </summary>
public sealed class ThreadPoolOptions
{
    public const string Section = "ThreadPool";

    /// <summary>Minimum worker threads; 0 keeps the runtime's default (one per core).</summary>
    [Range(0, 32767, ErrorMessage = "ThreadPool:MinThreads must be between 0 (runtime default) and 32767; set ThreadPool__MinThreads accordingly.")]
    public int MinThreads { get; set; }

    /// <summary>Minimum I/O completion threads; 0 keeps the runtime's default.</summary>
    [Range(0, 32767, ErrorMessage = "ThreadPool:MinIoThreads must be between 0 (runtime default) and 32767; set ThreadPool__MinIoThreads accordingly.")]
    public int MinIoThreads { get; set; }
}
