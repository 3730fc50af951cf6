using Harness.Testing;
using Harness.Hosting;
using TargetApp.Tests.Support;

namespace TargetApp.Tests;

/// <summary>Settings are checked when the process starts: a bad one stops it with a message naming the setting.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("Aggregation__MaxFanOut", "0", "Aggregation:MaxFanOut")]
    [InlineData("Aggregation__MaxFanOut", "lots", "Aggregation:MaxFanOut")]
    [InlineData("Aggregation__DefaultFanOut", "500", "Aggregation:DefaultFanOut")]
    [InlineData("Api__DefaultDelayMs", "-1", "Api:DefaultDelayMs")]
    [InlineData("Downstream__BaseUrl", "ftp://downstream", "Downstream:BaseUrl")]
    [InlineData("Downstream__BaseUrl", "not a url", "Downstream:BaseUrl")]
    [InlineData("Downstream__Timeout", "-00:00:01", "Downstream:Timeout")]
    [InlineData("ThreadPool__MinThreads", "-4", "ThreadPool:MinThreads")]
    [InlineData("Tracing__SampleRatio", "1.5", "Tracing:SampleRatio")]
    public async Task BadSetting_StopsStartUp_WithAMessageNamingIt(string variable, string value, string setting)
    {
        var failure = await Assert.ThrowsAsync<ServiceStartException>(() =>
            Children.StartTargetAppAsync("bad-config", new Dictionary<string, string> { [variable] = value }));

        Assert.Contains("exited with code 78", failure.Message, StringComparison.Ordinal);
        Assert.Contains("cannot start: invalid configuration", failure.Message, StringComparison.Ordinal);
        Assert.Contains(setting, failure.Message, StringComparison.Ordinal);
        Assert.Contains("docs/target-app.md#settings", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MinThreadsSetting_RaisesThePoolMinimum()
    {
        await using var app = await Children.StartTargetAppAsync("min-threads", new Dictionary<string, string> { ["ThreadPool__MinThreads"] = "48" });
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        Assert.Equal(48, await Children.ReadGaugeAsync(client, "harness_thread_pool_min_threads"));
    }
}
