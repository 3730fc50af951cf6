using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Harness.LoadTests.Stack;
using Harness.Testing;

namespace LoadTests.Tests;

/// <summary>The stack the harness starts for itself: its gateway speaks HTTP/2 to its own replicas.</summary>
public sealed partial class EmbeddedStackTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "harness-stack-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public async Task Gateway_ForwardsToTheReplicasOverHttp2_WhileTheirMetricsStayOnHttp11()
    {
        await using var stack = await EmbeddedStack.StartAsync(Path.Combine(_work, "logs"), _ => { }, CancellationToken.None);
        using var client = new HttpClient { BaseAddress = stack.GatewayAddress, Timeout = TimeSpan.FromSeconds(30) };

        for (int i = 0; i < 6; i++)
        {
            using var response = await client.GetAsync("/api/aggregated/?n=1&delay_ms=0");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The replicas' own /metrics is read over HTTP/1.1 (HttpClient's default), as Prometheus reads it.
        using var metrics = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var replicas = stack.MetricsEndpoints.Where(e => e.Name.StartsWith("target-", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, replicas.Count);
        async Task<double> AnswersAsync(string version)
        {
            double sum = 0;
            foreach (var (_, url) in replicas)
            {
                sum += Sample().Matches(await metrics.GetStringAsync(url))
                    .Where(m => m.Groups["labels"].Value.Contains("http_route=\"/api/aggregated/\"", StringComparison.Ordinal)
                        && m.Groups["labels"].Value.Contains($"network_protocol_version=\"{version}\"", StringComparison.Ordinal))
                    .Sum(m => double.Parse(m.Groups["v"].Value, CultureInfo.InvariantCulture));
            }

            return sum;
        }

        await Eventually.TrueAsync(async () => await AnswersAsync("2") >= 6, "the replicas to record the six requests as received over HTTP/2");
        Assert.Equal(0, await AnswersAsync("1.1"));
    }

    [GeneratedRegex(@"(?m)^http_server_request_duration_seconds_count\{(?<labels>[^}]*)\} (?<v>\S+)")]
    private static partial Regex Sample();
}
