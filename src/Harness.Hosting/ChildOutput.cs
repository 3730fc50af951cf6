namespace Harness.Hosting;

/// <summary>
/// What a child process prints (stdout and stderr, line by line): the last lines kept for error
/// messages, every line appended to its log file when there is one.
/// </summary>
internal sealed class ChildOutput : IDisposable
{
    private const int LinesKept = 200;

    private readonly Queue<string> _lines = new();
    private readonly StreamWriter? _log;

    public ChildOutput(string? logFile)
    {
        if (logFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
            _log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        }
    }

    /// <summary>The last lines, oldest first.</summary>
    public IReadOnlyList<string> Recent
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > LinesKept)
            {
                _lines.Dequeue();
            }

            _log?.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_lines)
        {
            _log?.Dispose();
        }
    }
}
