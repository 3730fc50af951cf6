using System.Text.Json;
using System.Text.RegularExpressions;
using Harness.Hosting;
using Harness.LoadTests.Cli;
using Harness.LoadTests.Stack;
using Harness.Testing;
using Spectre.Console;

namespace LoadTests.Tests;

/// <summary>
/// The dashboards against a real Prometheus (<c>apt-get install prometheus</c>) that scraped a
/// real run: the repo's prometheus.yml with its targets pointed at loopback, the embedded stack,
/// a short load through the gateway by the harness itself, then every query of every panel and
/// variable of every dashboard. A query that Prometheus rejects or that finds no data fails.
/// </summary>
[Collection(EngineTiming.Name)]
public sealed partial class DashboardQueryTests : IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "harness-dashboards-" + Guid.NewGuid().ToString("N"));
    private readonly List<PrometheusServer> _prometheus = [];

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var prometheus in _prometheus)
        {
            await prometheus.DisposeAsync();
        }

        Directory.Delete(_work, recursive: true);
    }

    private static string Repository => ServiceBinary.FindRepositoryRoot() ?? throw new InvalidOperationException("Harness.sln not found above the test's folder.");

    [Fact]
    public async Task Promtool_AcceptsTheRepositorysPrometheusConfig()
    {
        var (code, stdout, stderr) = await Tools.RunAsync(PrometheusServer.Tool("promtool"), null, "check", "config", "--syntax-only", Path.Combine(Repository, "observability", "prometheus", "prometheus.yml"));
        var output = stdout + stderr;

        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryDashboardQuery_IsValid_AndFindsData_AfterARealRun()
    {
        await using var stack = await EmbeddedStack.StartAsync(Path.Combine(_work, "logs"), _ => { }, CancellationToken.None);
        var enginePort = LoopbackPorts.Unused();
        var prometheusPort = LoopbackPorts.Unused();
        var prometheus = await StartPrometheusAsync(stack, enginePort, prometheusPort);

        var runStarted = DateTimeOffset.UtcNow;
        var scenarios = Path.Combine(_work, "scenarios.json");
        await File.WriteAllTextAsync(scenarios, """
            {
              "scenarios": [
                { "name": "async", "path": "/api/aggregated/?n=4&delay_ms=100", "load": [ { "simulation": "keep-constant", "copies": 8, "during": "14s" } ] },
                { "name": "sync_over_async", "path": "/api/aggregated_sync_over_async/?n=4&delay_ms=100", "load": [ { "simulation": "keep-constant", "copies": 6, "during": "14s" } ] },
                { "name": "dedicated", "path": "/api/aggregated_dedicated/?n=2&delay_ms=100", "load": [ { "simulation": "keep-constant", "copies": 2, "during": "14s" } ] },
                { "name": "faulty", "path": "/api/aggregated/?n=4&delay_ms=50&fault=error&fault_ratio=0.3", "load": [ { "simulation": "inject", "rate": 10, "during": "14s" } ] }
              ]
            }
            """);
        var console = TestConsole.Quiet();
        var code = await LoadTestsApp.RunAsync(
            ["--config", scenarios, "--target", stack.GatewayAddress.ToString(), "--metrics-port", enginePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--output", Path.Combine(_work, "reports"), "--plain"],
            console);
        Assert.Equal(ExitCodes.Ok, code);
        using var client = new HttpClient { BaseAddress = prometheus, Timeout = TimeSpan.FromSeconds(30) };

        // The engine has exited: Prometheus's last sample of every scenario's counters must be the report's.
        await AssertPrometheusHasTheReportsFinalCountsAsync(client, Path.Combine(_work, "reports"));

        // Let Prometheus take one more scrape of everything after the load. Waits on Prometheus, not
        // bounds on it: 2 s scrapes on an idle machine, but a busy one can delay a round by seconds.
        var after = DateTimeOffset.UtcNow;
        await Eventually.TrueAsync(async () => (await ScrapesAfterAsync(client, after)) >= 4, "a scrape of every service after the run", TimeSpan.FromSeconds(30));

        // The engine's target must be down (its series stale) before the panels that read a finished run are checked.
        await Eventually.TrueAsync(async () => await EngineTargetHealthAsync(client) == "down", "Prometheus to find the finished engine gone", TimeSpan.FromSeconds(30));

        var failures = new List<string>();
        var checkedQueries = 0;
        var instantQueries = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(Repository, "dashboards"), "*.json"))
        {
            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            var name = Path.GetFileName(file);
            foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
            {
                var definition = variable.GetProperty("definition").GetString()!;
                var match = LabelValues().Match(definition);
                var query = match.Success ? $"count by ({match.Groups["label"].Value}) ({match.Groups["metric"].Value})" : definition;
                checkedQueries++;
                if (await CheckAsync(client, Substitute(query), runStarted) is { } problem)
                {
                    failures.Add($"{name} variable ${variable.GetProperty("name").GetString()}: {problem}\n    {definition}");
                }
            }

            foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            {
                if (!panel.TryGetProperty("targets", out var targets))
                {
                    continue;
                }

                var title = panel.GetProperty("title").GetString();
                Assert.True(panel.GetProperty("fieldConfig").GetProperty("defaults").TryGetProperty("unit", out _), $"{name} '{title}' has no unit");
                foreach (var target in targets.EnumerateArray())
                {
                    var expr = target.GetProperty("expr").GetString()!;
                    checkedQueries++;
                    var instant = target.TryGetProperty("instant", out var i) && i.GetBoolean();
                    if (instant)
                    {
                        instantQueries++;
                    }

                    // An instant panel shows one value for "now", when the engine is gone and its series are stale.
                    if (await (instant ? CheckInstantAsync(client, Substitute(expr)) : CheckAsync(client, Substitute(expr), runStarted)) is { } problem)
                    {
                        failures.Add($"{name} '{title}': {problem}\n    {expr}");
                    }
                }
            }
        }

        Assert.True(checkedQueries > 40, $"only {checkedQueries} queries found");
        Assert.True(instantQueries > 0, "no panel reads the finished run (instant query)");
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedQueries} dashboard queries failed:\n" + string.Join("\n", failures));
    }

    private static async Task AssertPrometheusHasTheReportsFinalCountsAsync(HttpClient client, string reports)
    {
        var resultsFile = Directory.GetFiles(reports, "results.json", SearchOption.AllDirectories).Single();
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(resultsFile));
        var expected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var scenario in results.RootElement.GetProperty("scenarios").EnumerateArray())
        {
            var stats = scenario.GetProperty("stats");
            foreach (var outcome in (string[])["ok", "fail", "dropped"])
            {
                expected[$"{scenario.GetProperty("name").GetString()}/{outcome}"] = stats.GetProperty(outcome).GetInt64();
            }
        }

        Assert.True(expected.Where(e => e.Key.EndsWith("/ok", StringComparison.Ordinal)).All(e => e.Value > 0), "every scenario should have answered requests");
        var seen = new SortedDictionary<string, long>(StringComparer.Ordinal);
        async Task<bool> SameAsReport()
        {
            var query = Uri.EscapeDataString("last_over_time(harness_load_requests_total{job=\"loadtests\"}[10m])");
            using var body = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/query?query={query}"));
            seen.Clear();
            foreach (var series in body.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
            {
                var metric = series.GetProperty("metric");
                seen[$"{metric.GetProperty("scenario").GetString()}/{metric.GetProperty("outcome").GetString()}"] = (long)double.Parse(series.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            }

            return seen.SequenceEqual(expected);
        }

        // A second or two for Prometheus to store the scrape it already took (longer on a busy
        // machine); the engine is gone, so no later scrape can change what it has.
        var same = false;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        while (!(same = await SameAsReport()) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(same, "Prometheus's final harness_load_requests_total differs from the report:\n  report:     " + string.Join(", ", expected) + "\n  prometheus: " + string.Join(", ", seen));
    }

    /// <summary>Grafana's variables as a dashboard opened on "All" would fill them.</summary>
    private static string Substitute(string expr) => expr
        .Replace("$__rate_interval", "30s", StringComparison.Ordinal)
        .Replace("$__range", "10m", StringComparison.Ordinal)
        .Replace("$job", ".*", StringComparison.Ordinal)
        .Replace("$instance", ".*", StringComparison.Ordinal)
        .Replace("$mode", ".*", StringComparison.Ordinal);

    /// <summary>Null when the query is valid and returns at least one sample over the run; otherwise why not.</summary>
    private static async Task<string?> CheckAsync(HttpClient client, string query, DateTimeOffset from)
    {
        var url = $"/api/v1/query_range?query={Uri.EscapeDataString(query)}&start={from.ToUnixTimeSeconds()}&end={DateTimeOffset.UtcNow.ToUnixTimeSeconds()}&step=2";
        using var response = await client.GetAsync(url);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (body.RootElement.GetProperty("status").GetString() != "success")
        {
            return $"rejected: {body.RootElement.GetProperty("error").GetString()}";
        }

        var samples = body.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .SelectMany(series => series.GetProperty("values").EnumerateArray())
            .Count(point => point[1].GetString() is { } value && value != "NaN");
        return samples > 0 ? null : "no data";
    }

    /// <summary>Null when the instant query at this moment is valid and returns a value; otherwise why not.</summary>
    private static async Task<string?> CheckInstantAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (body.RootElement.GetProperty("status").GetString() != "success")
        {
            return $"rejected: {body.RootElement.GetProperty("error").GetString()}";
        }

        return body.RootElement.GetProperty("data").GetProperty("result").GetArrayLength() > 0 ? null : "no data now that the run has ended (stale series: read them with last_over_time)";
    }

    private static async Task<string?> EngineTargetHealthAsync(HttpClient client)
    {
        using var body = JsonDocument.Parse(await client.GetStringAsync("/api/v1/targets?state=active"));
        return body.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Where(t => t.GetProperty("labels").GetProperty("job").GetString() == "loadtests")
            .Select(t => t.GetProperty("health").GetString())
            .SingleOrDefault();
    }

    private static async Task<int> ScrapesAfterAsync(HttpClient client, DateTimeOffset after)
    {
        using var body = JsonDocument.Parse(await client.GetStringAsync("/api/v1/targets?state=active"));
        return body.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Count(t => t.GetProperty("health").GetString() == "up" && t.GetProperty("lastScrape").GetDateTimeOffset() > after);
    }

    private async Task<Uri> StartPrometheusAsync(EmbeddedStack stack, int enginePort, int prometheusPort)
    {
        var endpoints = stack.MetricsEndpoints.ToDictionary(e => e.Name, e => e.MetricsUrl.Authority);
        var config = (await File.ReadAllTextAsync(Path.Combine(Repository, "observability", "prometheus", "prometheus.yml")))
            .Replace("'gateway:8080'", $"'{endpoints["gateway"]}'", StringComparison.Ordinal)
            .Replace("'target-1:8080'", $"'{endpoints["target-1"]}'", StringComparison.Ordinal)
            .Replace("'target-2:8080'", $"'{endpoints["target-2"]}'", StringComparison.Ordinal)
            .Replace("'downstream:8080'", $"'{endpoints["downstream"]}'", StringComparison.Ordinal)
            .Replace("'loadtests:9464'", $"'127.0.0.1:{enginePort}'", StringComparison.Ordinal)
            .Replace("'localhost:9090'", $"'127.0.0.1:{prometheusPort}'", StringComparison.Ordinal);
        Assert.DoesNotContain(":8080'", config, StringComparison.Ordinal);
        var path = Path.Combine(_work, "prometheus.yml");
        await File.WriteAllTextAsync(path, config);

        var prometheus = await PrometheusServer.StartAsync(path, Path.Combine(_work, "data"), prometheusPort);
        _prometheus.Add(prometheus);
        return prometheus.Address;
    }

    [GeneratedRegex(@"^label_values\((?<metric>.+),\s*(?<label>\w+)\)$")]
    private static partial Regex LabelValues();
}
