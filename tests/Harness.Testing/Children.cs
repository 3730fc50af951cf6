using System.Globalization;
using System.Text.RegularExpressions;
using Harness.Hosting;

namespace TargetApp.Tests.Support;

/// <summary>TargetApp as a child process, with a thread pool of its own.</summary>
public static partial class ChildTargetApp
{
    public static Task<ServiceProcess> StartAsync(string name, IReadOnlyDictionary<string, string>? environment = null) =>
        ServiceProcess.StartAsync(new ServiceProcessOptions
        {
            Name = name,
            AssemblyPath = ServiceBinary.Locate("TargetApp"),
            Environment = environment ?? new Dictionary<string, string>(),
        });

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
