using System.Globalization;

namespace Harness.Load;

/// <summary>
/// Scrapes the servers' Prometheus endpoints on the run's timeline, so the thread pool, CPU and
/// memory sit beside the client's figures. A scrape that fails or times out (a starved server
/// answers /metrics late too) leaves a gap, never a made-up value.
/// </summary>
public sealed class ServerSampler : IDisposable
{
    private readonly HttpClient _client;
    private readonly Func<IReadOnlyList<(string Name, Uri MetricsUrl)>> _endpoints;
    private readonly List<(ServerSeries Series, Dictionary<string, (double Value, double T)> Last)> _servers = [];

    /// <param name="endpoints">Read at every sample: services restarted on new ports keep their series by name.</param>
    /// <param name="timeout">How long a scrape may take before the sample is a gap.</param>
    public ServerSampler(Func<IReadOnlyList<(string Name, Uri MetricsUrl)>> endpoints, TimeSpan timeout)
    {
        _endpoints = endpoints;
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

    public Task SampleAsync(double t, CancellationToken cancellationToken)
    {
        var work = new List<Task>();
        lock (_servers)
        {
            foreach (var (name, url) in _endpoints())
            {
                var index = _servers.FindIndex(s => s.Series.Name == name);
                if (index < 0)
                {
                    _servers.Add((new ServerSeries { Name = name, Url = url.ToString() }, []));
                    index = _servers.Count - 1;
                }

                var (series, last) = _servers[index];
                series.Url = url.ToString();
                work.Add(SampleOneAsync(series, last, t, cancellationToken));
            }
        }

        return Task.WhenAll(work);
    }

    private async Task SampleOneAsync(ServerSeries series, Dictionary<string, (double Value, double T)> last, double t, CancellationToken cancellationToken)
    {
        var sample = new ServerSample { T = Math.Round(t, 3) };
        try
        {
            var text = await _client.GetStringAsync(series.Url, cancellationToken).ConfigureAwait(false);
            var metrics = PrometheusText.Parse(text);
            sample.Up = true;
            sample.PoolThreads = metrics.Sum("harness_thread_pool_threads");
            sample.QueueLength = metrics.Sum("harness_thread_pool_queue_length");
            sample.WorkingSetBytes = metrics.Sum("dotnet_process_memory_working_set_bytes");
            sample.InFlightRequests = metrics.Sum("http_server_active_requests");
            sample.SchedulingDelayMs = metrics.Sum("harness_thread_pool_scheduling_delay_current_seconds") * 1000;
            sample.CompletedPerSecond = Rate(last, "completed", metrics.Sum("harness_thread_pool_work_items_completed_total"), t);
            sample.Cpu = Rate(last, "cpu", metrics.Sum("dotnet_process_cpu_time_seconds_total"), t);
            sample.GcPauseFraction = Rate(last, "gc", metrics.Sum("dotnet_gc_pause_time_seconds_total"), t);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            sample.Up = false;
        }

        lock (series)
        {
            series.Samples.Add(sample);
        }
    }

    private static double? Rate(Dictionary<string, (double Value, double T)> last, string key, double? value, double t)
    {
        if (value is not { } v)
        {
            return null;
        }

        double? rate = last.TryGetValue(key, out var previous) && t > previous.T && v >= previous.Value
            ? Math.Round((v - previous.Value) / (t - previous.T), 4)
            : null;
        last[key] = (v, t);
        return rate;
    }

    public void Dispose() => _client.Dispose();
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
