using System.Diagnostics;
using TargetApp.Aggregation;

namespace TargetApp.Diagnostics;

/// <summary>
/// The warning a blocking mode logs, naming the anti-pattern it demonstrates. Logged inside the
/// request's aggregation span, so it carries the request's trace id and the dashboard shows it
/// with the trace. Every request recorded in a trace logs it; untraced requests log it once per
/// mode, so that a load run does not write a line for each request.
/// </summary>
public sealed partial class BlockingWarnings(ILogger<BlockingWarnings> logger)
{
    private readonly int[] _warnedUntraced = new int[AggregationModes.All.Count];

    public void Blocking(AggregationMode mode)
    {
        if (mode.Blocks() is not { } what)
        {
            return;
        }

        if (Activity.Current is { Recorded: true } || Interlocked.Exchange(ref _warnedUntraced[(int)mode], 1) == 0)
        {
            LogBlocking(logger, mode.Tag(), what, AggregationMode.Async.Route());
        }
    }

    [LoggerMessage(
        EventName = "BlockingAggregation",
        Level = LogLevel.Warning,
        Message = "ANTI-PATTERN, on purpose: the {Mode} aggregation blocks {Blocks}. Under load it holds threads that the async mode ({AsyncRoute}) leaves free")]
    private static partial void LogBlocking(ILogger logger, string mode, string blocks, string asyncRoute);
}
