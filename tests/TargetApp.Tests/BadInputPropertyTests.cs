using Harness.Testing;
using CsCheck;
using TargetApp.Tests.Support;

namespace TargetApp.Tests;

/// <summary>
/// Hundreds of generated hostile requests against a real Kestrel: every answer is 2xx or a 4xx
/// (problem+json from the app, or a size-limit refusal from Kestrel), never a 5xx and never a hang.
/// </summary>
public sealed class BadInputPropertyTests
{
    [Fact]
    public async Task AnyGeneratedRequest_IsAnsweredWith2xxOr4x_NeverA5xxOrAHang()
    {
        // Small bounds keep each valid request quick; query faults are refused so every 5xx would be a bug.
        await using var factory = new TargetAppFactory(new Dictionary<string, string?>
        {
            ["Aggregation:MaxFanOut"] = "5",
            ["Aggregation:DefaultFanOut"] = "2",
            ["Api:MaxDelayMs"] = "50",
            ["Api:DefaultDelayMs"] = "10",
            ["Faults:AllowFromQuery"] = "false",
            ["Downstream:Timeout"] = "00:00:05",
            ["ThreadPool:MinThreads"] = "64",
        });
        using var client = factory.CreateRealClient(TimeSpan.FromSeconds(15));

        await HostileRequests.Any.SampleAsync(request => HostileRequests.AssertAnswersSafelyAsync(client, request), iter: 400, threads: 4);
    }
}
