using CsCheck;
using Harness.Testing;

namespace Gateway.Tests;

/// <summary>Generated hostile requests through the gateway: always 2xx or 4xx, never a 5xx or a hang.</summary>
public sealed class HostileRequestTests
{
    [Fact]
    public async Task AnyGeneratedRequestThroughTheGateway_IsAnsweredWith2xxOr4xx_NeverA5xxOrAHang()
    {
        var small = new Dictionary<string, string>
        {
            ["Aggregation__MaxFanOut"] = "5",
            ["Aggregation__DefaultFanOut"] = "2",
            ["Api__MaxDelayMs"] = "50",
            ["Api__DefaultDelayMs"] = "10",
            ["Faults__AllowFromQuery"] = "false",
            ["ThreadPool__MinThreads"] = "32",
        };
        await using var replica = await Children.StartTargetAppAsync("hostile-target", small);
        await using var gateway = await Children.StartGatewayAsync("hostile-gateway", [replica.BaseAddress]);
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };

        await HostileRequests.Any.SampleAsync(request => HostileRequests.AssertAnswersSafelyAsync(client, request), iter: 300, threads: 4);
    }
}
