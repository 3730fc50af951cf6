using Harness.Testing;
using System.Text.RegularExpressions;
using Harness.Hosting;
using TargetApp.Tests.Support;

namespace TargetApp.Tests;

/// <summary>
/// What Prometheus scrapes from /metrics, from a TargetApp child process: in-process hosts would
/// share meters by name with every other host in the test run.
/// </summary>
public sealed partial class MetricsTests : IClassFixture<MetricsTests.Fixture>
{
    private readonly HttpClient _client;

    public MetricsTests(Fixture fixture) => _client = fixture.Client;

    [Fact]
    public async Task RequestDuration_HasBucketsAboveTenSeconds()
    {
        using var _ = await _client.GetAsync("/api/?delay_ms=0");

        var metrics = await ScrapeUntilAsync(text => text.Contains("http_server_request_duration_seconds_bucket{", StringComparison.Ordinal));

        Assert.Matches(BucketAt("http_server_request_duration_seconds", "120"), metrics);
        Assert.Matches(BucketAt("http_server_request_duration_seconds", "60"), metrics);
    }

    [Theory]
    [InlineData("harness_thread_pool_threads")]
    [InlineData("harness_thread_pool_queue_length")]
    [InlineData("harness_thread_pool_min_threads")]
    [InlineData("harness_thread_pool_scheduling_delay_current_seconds")]
    public async Task ThreadPoolGauges_ArePublishedAsGauges(string name)
    {
        var metrics = await ScrapeUntilAsync(text => text.Contains(name + "{", StringComparison.Ordinal));

        Assert.Contains($"# TYPE {name} gauge", metrics, StringComparison.Ordinal);
        var value = Assert.Single(Samples(metrics, name));
        Assert.True(value >= 0);
        if (name == "harness_thread_pool_threads")
        {
            Assert.True(value >= 1, "a running app has at least one pool thread");
        }
    }

    [Fact]
    public async Task CompletedWorkItems_IsACounter()
    {
        var metrics = await ScrapeUntilAsync(text => text.Contains("harness_thread_pool_work_items_completed_total{", StringComparison.Ordinal));

        Assert.Contains("# TYPE harness_thread_pool_work_items_completed_total counter", metrics, StringComparison.Ordinal);
        Assert.True(Assert.Single(Samples(metrics, "harness_thread_pool_work_items_completed_total")) > 0);
    }

    [Fact]
    public async Task Aggregations_RecordDurationInFlightAndDownstreamCallsByMode()
    {
        using var _ = await _client.GetAsync("/api/aggregated_sync/?n=2&delay_ms=0");

        var metrics = await ScrapeUntilAsync(text => text.Contains("harness_aggregation_duration_seconds_count{otel_scope_name=\"Harness.TargetApp\",mode=\"sync\"", StringComparison.Ordinal));

        Assert.Matches(new Regex(@"harness_aggregation_duration_seconds_count\{[^}]*mode=""sync""[^}]*outcome=""ok""[^}]*\} [1-9]"), metrics);
        Assert.Matches(BucketAt("harness_aggregation_duration_seconds", "120"), metrics);
        Assert.Matches(new Regex(@"harness_downstream_calls_total\{[^}]*mode=""sync""[^}]*outcome=""ok""[^}]*\} [2-9]"), metrics);
        Assert.Matches(new Regex(@"harness_aggregation_active\{[^}]*mode=""sync""[^}]*\} 0"), metrics);
    }

    /// <summary>
    /// Metrics are recorded as a request ends, which may be just after its answer arrived (on a
    /// busy machine, seconds after: hence 30 s; a metric that is never recorded still fails).
    /// </summary>
    private async Task<string> ScrapeUntilAsync(Func<string, bool> ready)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var text = await _client.GetStringAsync("/metrics", deadline.Token);
            if (ready(text))
            {
                return text;
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    private static Regex BucketAt(string histogram, string le) => new($@"(?m)^{histogram}_bucket\{{[^}}]*le=""{Regex.Escape(le)}""\}} \d+");

    private static IEnumerable<double> Samples(string metrics, string name) =>
        Regex.Matches(metrics, $@"(?m)^{name}\{{[^}}]*\}} (?<v>\S+)")
            .Select(m => double.Parse(m.Groups["v"].Value, System.Globalization.CultureInfo.InvariantCulture));

    public sealed class Fixture : IAsyncLifetime
    {
        private ServiceProcess _app = null!;

        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _app = await Children.StartTargetAppAsync("metrics");
            Client = new HttpClient { BaseAddress = _app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        }

        public async Task DisposeAsync()
        {
            Client.Dispose();
            await _app.DisposeAsync();
        }
    }
}
