using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace Harness.Load;

/// <summary>
/// The live figures of one running scenario, or of one of its steps. Invocations record into
/// lock-free HDR recorders and counters; every interval the collector cuts them into an
/// <see cref="IntervalResult"/>, keeps the interval's histogram only in compressed form and folds
/// it into the whole-run histogram, so memory stays flat however long the run.
/// </summary>
internal sealed class StatsRecorder
{
    internal const long HighestMicros = HistogramCodec.HighestMicros;

    private static readonly double MicrosPerTick = 1e6 / Stopwatch.Frequency;

    private readonly Recorder _okLatency = NewRecorder();
    private readonly Recorder _failLatency = NewRecorder();
    private readonly Recorder _lag = NewRecorder();
    private readonly Recorder _unfinished = NewRecorder();
    private readonly HistogramBase _okTotal = NewHistogram();
    private readonly HistogramBase _failTotal = NewHistogram();
    private readonly HistogramBase _lagTotal = NewHistogram();
    private readonly HistogramBase _unfinishedTotal = NewHistogram();
    private readonly long[] _statusCodes = new long[600];
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly Counters _total = new();
    private HistogramBase? _okRecycle;
    private HistogramBase? _failRecycle;
    private HistogramBase? _lagRecycle;
    private HistogramBase? _unfinishedRecycle;
    private Counters _lastCut = new();
    private long[] _lastStatusCodes = new long[600];
    private Dictionary<string, long> _lastErrors = new(StringComparer.Ordinal);
    private long _measuringSince;
    private long _lastCutAt;
    private long _loadEndedAt;
    private long _countAtLoadEnd;
    private readonly Lock _cutLock = new();
    private readonly List<(long From, IntervalResult Interval)> _pending = [];
    private volatile bool _measuring;
    private long _inFlight;
    private long _warmUpCount;
    private readonly Lock _stepsLock = new();
    private volatile StatsRecorder[] _steps = [];
    private readonly string _name;

    public StatsRecorder(string name = "") => _name = name;

    public string Name => _name;

    /// <summary>The steps seen so far (<see cref="Step.Run"/>), in the order they first ran.</summary>
    public IReadOnlyList<StatsRecorder> Steps => _steps;

    /// <summary>The step's own recorder, made the first time the step runs.</summary>
    public StatsRecorder Step(string name)
    {
        // Steps are few and looked up per invocation: a copied array read without a lock.
        foreach (var step in _steps)
        {
            if (step._name == name)
            {
                return step;
            }
        }

        lock (_stepsLock)
        {
            foreach (var step in _steps)
            {
                if (step._name == name)
                {
                    return step;
                }
            }

            var added = new StatsRecorder(name);
            if (_measuring)
            {
                added.BeginMeasuring(_measuringSince);

                // Its first interval starts with the scenario's current one, not at the measuring start.
                added._lastCutAt = Interlocked.Read(ref _lastCutAt);
                added._loadEndedAt = Interlocked.Read(ref _loadEndedAt);
            }

            _steps = [.. _steps, added];
            return added;
        }
    }

    public long InFlight => Interlocked.Read(ref _inFlight);

    public long WarmUpCount => Interlocked.Read(ref _warmUpCount);

    /// <summary>Users (closed model) or invocations per second (open model) asked for right now.</summary>
    public double LoadLevel { get; set; }

    public bool IsMeasuring => _measuring;

    public long MeasuringSince => _measuringSince;

    /// <summary>When the measured load ended (timestamp); 0 while it runs. Intervals after it are the drain.</summary>
    public long LoadEndedAt => Interlocked.Read(ref _loadEndedAt);

    /// <summary>Requests that finished after the load ended (the drain).</summary>
    public long DrainCount => LoadEndedAt == 0 ? 0 : Interlocked.Read(ref _total.Ok) + Interlocked.Read(ref _total.Fail) - _countAtLoadEnd;

    public void EnterFlight() => Interlocked.Increment(ref _inFlight);

    public long LeaveFlight() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Forgets the warm-up and starts counting from <paramref name="timestamp"/>.</summary>
    public void BeginMeasuring(long timestamp)
    {
        _okLatency.Reset();
        _failLatency.Reset();
        _lag.Reset();
        _unfinished.Reset();
        _measuringSince = timestamp;
        _lastCutAt = timestamp;
        _measuring = true;
        lock (_stepsLock)
        {
            foreach (var step in _steps)
            {
                step.BeginMeasuring(timestamp);
            }
        }
    }

    /// <summary>
    /// The measured load is over at <paramref name="timestamp"/>: the interval running now is cut
    /// here (so no interval mixes load and drain), the load level drops to 0, and every later
    /// interval is drain. Only the first call counts.
    /// </summary>
    public void EndLoad(long timestamp)
    {
        lock (_cutLock)
        {
            if (_loadEndedAt != 0 || !_measuring)
            {
                return;
            }

            _pending.Add((_lastCutAt, CutLocked(timestamp, _lastCutAt, drain: false)));
            _countAtLoadEnd = _lastCut.Ok + _lastCut.Fail;
            Interlocked.Exchange(ref _loadEndedAt, timestamp);
            LoadLevel = 0;
        }

        lock (_stepsLock)
        {
            foreach (var step in _steps)
            {
                step.EndLoad(timestamp);
            }
        }
    }

    public void Record(IResponse result, long elapsedTicks)
    {
        if (!_measuring)
        {
            Interlocked.Increment(ref _warmUpCount);
            return;
        }

        var micros = Math.Clamp((long)(elapsedTicks * MicrosPerTick), 1, HighestMicros);
        if (!result.IsError)
        {
            _okLatency.RecordValue(micros);
            Interlocked.Increment(ref _total.Ok);
        }
        else
        {
            _failLatency.RecordValue(micros);
            Interlocked.Increment(ref _total.Fail);
            _errors.AddOrUpdate(result.ErrorKind ?? "failed", 1, static (_, n) => n + 1);
        }

        if ((uint)result.StatusCode < (uint)_statusCodes.Length)
        {
            Interlocked.Increment(ref _statusCodes[result.StatusCode]);
        }

        if (result.SizeBytes > 0)
        {
            Interlocked.Add(ref _total.Bytes, result.SizeBytes);
        }
    }

    /// <summary>How late an open-model request left, against its intended start.</summary>
    public void RecordLag(long lagTicks, TimeSpan lateAfter)
    {
        if (!_measuring)
        {
            return;
        }

        var micros = Math.Clamp((long)(lagTicks * MicrosPerTick), 1, HighestMicros);
        _lag.RecordValue(micros);
        if (micros > lateAfter.TotalMicroseconds)
        {
            Interlocked.Increment(ref _total.Late);
        }
    }

    public void RecordDropped()
    {
        if (_measuring)
        {
            Interlocked.Increment(ref _total.Dropped);
        }
    }

    /// <summary>A request cancelled at the run's end, <paramref name="elapsedTicks"/> after it started (open model: after it was due).</summary>
    public void RecordUnfinished(long elapsedTicks)
    {
        if (_measuring)
        {
            _unfinished.RecordValue(Math.Clamp((long)(elapsedTicks * MicrosPerTick), 1, HighestMicros));
            Interlocked.Increment(ref _total.Unfinished);
        }
    }

    /// <summary>
    /// Closes the interval that ends at <paramref name="timestamp"/>, after the one <see cref="EndLoad"/>
    /// closed if the load ended since the last cut; called by one collector thread only.
    /// </summary>
    public List<IntervalResult> Cut(long timestamp, long runStartedAt)
    {
        lock (_cutLock)
        {
            // EndLoad does not know the run's start: its interval is placed on the run's timeline here.
            var intervals = new List<IntervalResult>();
            foreach (var (from, interval) in _pending)
            {
                interval.Start = Math.Round((from - runStartedAt) / (double)Stopwatch.Frequency, 3);
                intervals.Add(interval);
            }

            _pending.Clear();

            // The collector read its clock before the load ended and took the lock after: nothing is left to cut.
            if (timestamp > _lastCutAt)
            {
                intervals.Add(CutLocked(timestamp, runStartedAt, drain: _loadEndedAt != 0));
            }

            return intervals;
        }
    }

    private IntervalResult CutLocked(long timestamp, long runStartedAt, bool drain)
    {
        _okRecycle = _okLatency.GetIntervalHistogram(_okRecycle);
        _failRecycle = _failLatency.GetIntervalHistogram(_failRecycle);
        _lagRecycle = _lag.GetIntervalHistogram(_lagRecycle);
        _unfinishedRecycle = _unfinished.GetIntervalHistogram(_unfinishedRecycle);
        _okTotal.Add(_okRecycle);
        _failTotal.Add(_failRecycle);
        _lagTotal.Add(_lagRecycle);
        _unfinishedTotal.Add(_unfinishedRecycle);

        var now = _total.Snapshot();
        var delta = now.Minus(_lastCut);
        var statusNow = SnapshotStatusCodes();
        var errorsNow = new Dictionary<string, long>(_errors, StringComparer.Ordinal);
        var seconds = Math.Max(1e-9, (timestamp - _lastCutAt) / (double)Stopwatch.Frequency);

        var interval = new IntervalResult
        {
            Start = Math.Round((_lastCutAt - runStartedAt) / (double)Stopwatch.Frequency, 3),
            Duration = Math.Round(seconds, 3),
            LoadLevel = drain ? 0 : Math.Round(LoadLevel, 3),
            InFlight = InFlight,
            Drain = drain,
            Stats = BuildStats(delta, seconds, _okRecycle, _failRecycle, _lagRecycle, _unfinishedRecycle, Diff(statusNow, _lastStatusCodes), Diff(errorsNow, _lastErrors)),
            Histogram = HistogramCodec.Encode(_okRecycle),
        };
        _lastCut = now;
        _lastStatusCodes = statusNow;
        _lastErrors = errorsNow;
        Interlocked.Exchange(ref _lastCutAt, timestamp);
        return interval;
    }

    /// <summary>
    /// The whole measured run so far (call after the last <see cref="Cut"/>). Rates are over the
    /// load window: every request counted was sent in it, including those that finished in the drain.
    /// </summary>
    public StatsBlock Totals(long timestamp)
    {
        lock (_cutLock)
        {
            var until = _loadEndedAt is > 0 and var end && end < timestamp ? end : timestamp;
            return BuildStats(
                _total.Snapshot(),
                Math.Max(1e-9, (until - _measuringSince) / (double)Stopwatch.Frequency),
                _okTotal,
                _failTotal,
                _lagTotal,
                _unfinishedTotal,
                Diff(SnapshotStatusCodes(), new long[_statusCodes.Length]),
                new Dictionary<string, long>(_errors, StringComparer.Ordinal));
        }
    }

    public HistogramBase OkHistogram => _okTotal;

    internal static HistogramBase NewHistogram() => HistogramCodec.NewHistogram();

    // Steps finish on many threads at once: the recorder's histograms must take concurrent writes.
    private static Recorder NewRecorder() =>
        new(1, HighestMicros, 3, (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));

    private static StatsBlock BuildStats(
        Counters counts, double seconds, HistogramBase ok, HistogramBase fail, HistogramBase lag, HistogramBase unfinished,
        Dictionary<string, long> statusCodes, Dictionary<string, long> errors) => new()
        {
            Count = counts.Ok + counts.Fail,
            Ok = counts.Ok,
            Fail = counts.Fail,
            Dropped = counts.Dropped,
            Late = counts.Late,
            Unfinished = counts.Unfinished,
            Rps = Math.Round((counts.Ok + counts.Fail) / seconds, 3),
            OkRps = Math.Round(counts.Ok / seconds, 3),
            Bytes = counts.Bytes,
            Latency = LatencySummary.From(ok),
            FailLatency = fail.TotalCount > 0 ? LatencySummary.From(fail) : null,
            ScheduleLag = lag.TotalCount > 0 ? LatencySummary.From(lag) : null,
            UnfinishedElapsed = unfinished.TotalCount > 0 ? LatencySummary.From(unfinished) : null,
            StatusCodes = statusCodes,
            Errors = errors,
        };

    private long[] SnapshotStatusCodes()
    {
        var copy = new long[_statusCodes.Length];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = Interlocked.Read(ref _statusCodes[i]);
        }

        return copy;
    }

    private static Dictionary<string, long> Diff(long[] now, long[] before)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < now.Length; i++)
        {
            if (now[i] - before[i] is > 0 and var n)
            {
                result[i == 0 ? "none" : i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = n;
            }
        }

        return result;
    }

    private static Dictionary<string, long> Diff(Dictionary<string, long> now, Dictionary<string, long> before)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in now)
        {
            if (value - before.GetValueOrDefault(key) is > 0 and var n)
            {
                result[key] = n;
            }
        }

        return result;
    }

    private sealed class Counters
    {
        public long Ok;
        public long Fail;
        public long Bytes;
        public long Dropped;
        public long Late;
        public long Unfinished;

        public Counters Snapshot() => new()
        {
            Ok = Interlocked.Read(ref Ok),
            Fail = Interlocked.Read(ref Fail),
            Bytes = Interlocked.Read(ref Bytes),
            Dropped = Interlocked.Read(ref Dropped),
            Late = Interlocked.Read(ref Late),
            Unfinished = Interlocked.Read(ref Unfinished),
        };

        public Counters Minus(Counters other) => new()
        {
            Ok = Ok - other.Ok,
            Fail = Fail - other.Fail,
            Bytes = Bytes - other.Bytes,
            Dropped = Dropped - other.Dropped,
            Late = Late - other.Late,
            Unfinished = Unfinished - other.Unfinished,
        };
    }
}
