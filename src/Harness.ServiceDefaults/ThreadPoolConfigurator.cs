using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Harness.ServiceDefaults;

/// <summary>Applies <see cref="ThreadPoolOptions"/> once the options have been validated.</summary>
internal sealed partial class ThreadPoolConfigurator(IOptions<ThreadPoolOptions> options, ILogger<ThreadPoolConfigurator> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        ThreadPool.GetMinThreads(out int workers, out int io);
        int newWorkers = settings.MinThreads > 0 ? settings.MinThreads : workers;
        int newIo = settings.MinIoThreads > 0 ? settings.MinIoThreads : io;
        if ((newWorkers, newIo) != (workers, io) && !ThreadPool.SetMinThreads(newWorkers, newIo))
        {
            throw new InvalidOperationException(
                $"ThreadPool:MinThreads={newWorkers} / ThreadPool:MinIoThreads={newIo} were refused by the runtime (they may not exceed the maximums). Lower them.");
        }

        LogThreadPool(logger, newWorkers, newIo, Environment.ProcessorCount);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Thread pool minimum: {Workers} worker / {Io} I/O threads on {Cores} cores")]
    private static partial void LogThreadPool(ILogger logger, int workers, int io, int cores);
}
