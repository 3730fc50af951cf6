using System.Globalization;
using System.Text.RegularExpressions;
using Harness.Hosting;

namespace Harness.Testing;

/// <summary>Harness services as child processes, each with a thread pool (and meters) of its own.</summary>
public static partial class Children
{
    public static Task<ServiceProcess> StartTargetAppAsync(
        string name, IReadOnlyDictionary<string, string>? environment = null, string? urls = null, TimeSpan? startTimeout = null) =>
        StartAsync("TargetApp", name, environment, urls, startTimeout);

    public static Task<ServiceProcess> StartGatewayAsync(string name, IEnumerable<Uri> targets, IReadOnlyDictionary<string, string>? environment = null)
    {
        var settings = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        int i = 0;
        foreach (var target in targets)
        {
            settings[$"Gateway__Targets__{i++}"] = target.ToString();
        }

        return StartAsync("Gateway", name, settings, null);
    }

    /// <summary>
    /// Starts one of the solution's services. A child normally answers its first probe within a
    /// second or two; on a CI machine whose two cores run a test host, its load and a few other
    /// children, 30 s is close enough to the edge to matter, so the default is 60 s. A child that
    /// never comes up still fails, a bit later.
    /// </summary>
    public static Task<ServiceProcess> StartAsync(
        string project, string name, IReadOnlyDictionary<string, string>? environment, string? urls, TimeSpan? startTimeout = null) =>
        ServiceProcess.StartAsync(new ServiceProcessOptions
        {
            Name = name,
            AssemblyPath = ServiceBinary.Locate(project),
            Environment = environment ?? new Dictionary<string, string>(),
            Urls = urls ?? "http://127.0.0.1:0",
            StartTimeout = startTimeout ?? TimeSpan.FromSeconds(60),
        });

    /// <summary>The sum of a metric's samples whose labels contain <paramref name="labelFilter"/> (e.g. <c>http_route="/api/"</c>).</summary>
    public static async Task<double> ReadSumAsync(HttpClient client, string name, string labelFilter = "")
    {
        var text = await client.GetStringAsync("/metrics");
        return Regex.Matches(text, $@"(?m)^{name}\{{(?<labels>[^}}]*)\}} (?<v>\S+)")
            .Where(m => m.Groups["labels"].Value.Contains(labelFilter, StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups["v"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>One sample of a gauge from the app's /metrics.</summary>
    public static async Task<double> ReadGaugeAsync(HttpClient client, string name)
    {
        var text = await client.GetStringAsync("/metrics");
        var match = Regex.Match(text, $@"(?m)^{name}\{{[^}}]*\}} (?<v>\S+)");
        Assert.True(match.Success, $"{name} is missing from /metrics");
        return double.Parse(match.Groups["v"].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The OS thread count of a process, read from outside it (works while its pool is starved).</summary>
    public static int OsThreads(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                return int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no Threads line");
    }
}
