using System.Globalization;

namespace Harness.Load;

/// <summary>
/// Scrapes the servers' Prometheus endpoints on the run's timeline, so the thread pool, CPU and
/// memory sit beside the client's figures. A sample is placed, and its rates divided, by when the
/// scrape was answered: a starved server answers late, and its counters were read then. A scrape
/// that fails or times out, or is not sent because the previous one is still out, is recorded as
/// a gap, never a made-up value, so the charts break their lines there.
/// </summary>
public sealed class ServerSampler : IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _clock;
    private readonly Func<IReadOnlyList<(string Name, Uri MetricsUrl)>> _endpoints;
    private readonly List<Server> _servers = [];

    /// <summary>The shortest span between two answers a rate is worked out over, in seconds.</summary>
    internal const double MinRateWindow = 0.25;

    /// <param name="endpoints">Read at every sample: services restarted on new ports keep their series by name.</param>
    /// <param name="timeout">How long a scrape may take before the sample is a gap.</param>
    public ServerSampler(Func<IReadOnlyList<(string Name, Uri MetricsUrl)>> endpoints, TimeSpan timeout)
        : this(endpoints, timeout, TimeProvider.System)
    {
    }

    /// <param name="endpoints">As above.</param>
    /// <param name="timeout">As above.</param>
    /// <param name="clock">Times the scrapes; tests pass one they control.</param>
    internal ServerSampler(Func<IReadOnlyList<(string Name, Uri MetricsUrl)>> endpoints, TimeSpan timeout, TimeProvider clock)
    {
        _endpoints = endpoints;
        _timeout = timeout;
        _clock = clock;
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = timeout };
    }

    public IReadOnlyList<ServerSeries> Series
    {
        get
        {
            lock (_servers)
            {
                return [.. _servers.Select(s => s.Series)];
            }
        }
    }

    /// <summary>
    /// Scrapes every server once, <paramref name="t"/> seconds into the run; completes when every
    /// scrape started here has been answered or has failed. A server whose previous scrape is still
    /// out gets a gap at <paramref name="t"/> instead of a second scrape.
    /// </summary>
    public Task SampleAsync(double t, CancellationToken cancellationToken)
    {
        var sent = _clock.GetTimestamp();
        var work = new List<Task>();
        lock (_servers)
        {
            foreach (var (name, url) in _endpoints())
            {
                var server = _servers.Find(s => s.Series.Name == name);
                if (server is null)
                {
                    _servers.Add(server = new Server(new ServerSeries { Name = name, Url = url.ToString() }));
                }

                server.Series.Url = url.ToString();
                if (!server.Scrape.IsCompleted)
                {
                    server.Add(new ServerSample { T = Math.Round(t, 3), Gap = "the previous scrape was still unanswered" });
                    continue;
                }

                server.Scrape = SampleOneAsync(server, t, sent, cancellationToken);
                work.Add(server.Scrape);
            }
        }

        return Task.WhenAll(work);
    }

    private async Task SampleOneAsync(Server server, double t, long sent, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await _client.GetStringAsync(server.Series.Url, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            var gap = ex is TaskCanceledException && !cancellationToken.IsCancellationRequested
                ? $"no answer within {Durations.Format(_timeout)}"
                : $"scrape failed: {ex.Message}";
            server.Add(new ServerSample { T = Math.Round(AnsweredAt(t, sent), 3), Gap = gap });
            return;
        }

        // The counters were read when the server wrote its answer, which a starved server does late:
        // dividing by the time the scrape was sent would credit a late answer's work to too short a span.
        var answered = AnsweredAt(t, sent);
        var metrics = PrometheusText.Parse(text);
        var last = server.Last;
        server.Add(new ServerSample
        {
            T = Math.Round(answered, 3),
            Up = true,
            PoolThreads = metrics.Sum("harness_thread_pool_threads"),
            QueueLength = metrics.Sum("harness_thread_pool_queue_length"),
            WorkingSetBytes = metrics.Sum("dotnet_process_memory_working_set_bytes"),
            InFlightRequests = metrics.Sum("http_server_active_requests"),
            SchedulingDelayMs = metrics.Sum("harness_thread_pool_scheduling_delay_current_seconds") * 1000,
            CompletedPerSecond = Rate(last, "completed", metrics.Sum("harness_thread_pool_work_items_completed_total"), answered),
            Cpu = Rate(last, "cpu", metrics.Sum("dotnet_process_cpu_time_seconds_total"), answered),
            GcPauseFraction = Rate(last, "gc", metrics.Sum("dotnet_gc_pause_time_seconds_total"), answered),
        });
    }

    private double AnsweredAt(double t, long sent) => t + _clock.GetElapsedTime(sent).TotalSeconds;

    private static double? Rate(Dictionary<string, (double Value, double T)> last, string key, double? value, double t)
    {
        if (value is not { } v)
        {
            return null;
        }

        if (!last.TryGetValue(key, out var previous) || v < previous.Value)
        {
            last[key] = (v, t);
            return null;
        }

        // A late answer followed by a prompt one can be milliseconds apart: over so short a span a
        // CPU-time counter's granularity reads as several cores. The next rate spans the longer window.
        if (t - previous.T < MinRateWindow)
        {
            return null;
        }

        last[key] = (v, t);
        return Math.Round((v - previous.Value) / (t - previous.T), 4);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>One server's series, its counters at the last answer (for rates), and its scrape in progress: one at a time.</summary>
    private sealed class Server(ServerSeries series)
    {
        public ServerSeries Series { get; } = series;

        public Dictionary<string, (double Value, double T)> Last { get; } = [];

        public Task Scrape { get; set; } = Task.CompletedTask;

        /// <summary>Adds in time order: a timed-out scrape can be recorded just after the next tick's gap, though it gave up before it.</summary>
        public void Add(ServerSample sample)
        {
            lock (Series)
            {
                var samples = Series.Samples;
                var index = samples.Count;
                while (index > 0 && samples[index - 1].T > sample.T)
                {
                    index--;
                }

                samples.Insert(index, sample);
            }
        }
    }
}

/// <summary>Just enough of the Prometheus text format to read a few series: <c>name{labels} value</c>.</summary>
public sealed class PrometheusText
{
    private readonly Dictionary<string, List<(string Labels, double Value)>> _series = new(StringComparer.Ordinal);

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            var nameEnd = line.IndexOfAny('{', ' ');
            if (nameEnd <= 0)
            {
                continue;
            }

            var name = line[..nameEnd].ToString();
            var labels = "";
            var rest = line[nameEnd..];
            if (rest[0] == '{')
            {
                var close = rest.LastIndexOf('}');
                if (close < 0)
                {
                    continue;
                }

                labels = rest[1..close].ToString();
                rest = rest[(close + 1)..];
            }

            rest = rest.Trim();
            var space = rest.IndexOf(' ');
            var valueText = space < 0 ? rest : rest[..space];
            if (double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                if (!result._series.TryGetValue(name, out var list))
                {
                    result._series[name] = list = [];
                }

                list.Add((labels, value));
            }
        }

        return result;
    }

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels contain <paramref name="labelFilter"/>; null when absent.</summary>
    public double? Sum(string name, string labelFilter = "") =>
        _series.TryGetValue(name, out var list) && list.Where(s => s.Labels.Contains(labelFilter, StringComparison.Ordinal)).ToList() is { Count: > 0 } matching
            ? matching.Sum(s => s.Value)
            : null;

    public IEnumerable<string> Names => _series.Keys;
}
