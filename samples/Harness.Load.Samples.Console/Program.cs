using Harness.Load;

// Load-tests a running TargetApp (dotnet run --project src/TargetApp) with two steps per visit:
//   dotnet run --project samples/Harness.Load.Samples.Console -- [base URL] [report folder]
var target = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:5080/");
var reports = args.Length > 1 ? args[1] : "reports";

using var http = new HttpClient { BaseAddress = target };

var visit = Scenario.Create("visit", async ctx =>
{
    // The slow downstream on its own, then an aggregation that fans out to it three times at once.
    var single = await Step.Run("single", ctx, () => GetAsync($"/api/?task_id={ctx.InvocationNumber}&delay_ms=10", ctx.CancellationToken));
    if (single.IsError)
    {
        return single;
    }

    return await Step.Run("fan-out", ctx, () => GetAsync("/api/aggregated/?n=3&delay_ms=10", ctx.CancellationToken));
})
.WithWarmUpDuration(TimeSpan.FromSeconds(1))
.WithLoadSimulations(
    Simulation.RampingInject(rate: 40, interval: TimeSpan.FromSeconds(1), during: TimeSpan.FromSeconds(2)),
    Simulation.Inject(rate: 40, interval: TimeSpan.FromSeconds(1), during: TimeSpan.FromSeconds(3)));

var result = await HarnessRunner.RegisterScenarios(visit)
    .WithTestName("sample")
    .WithReportFolder(reports)
    .WithThresholds("fail_rate < 1%", "visit: p99 < 2s")
    .WithServerMetrics(new Uri(target, "/metrics").ToString())
    .RunAsync();

var stats = result.ScenarioStats.Get("visit");
foreach (var step in stats.StepStats)
{
    Console.WriteLine($"{step.Name}: {step.Ok.Request.Count} ok, {step.Fail.Request.Count} failed, p50 {step.Ok.Latency.Percent50} ms, p99 {step.Ok.Latency.Percent99} ms");
}

Console.WriteLine($"visit: {stats.Ok.Request.Count} ok ({stats.Ok.Request.RPS} req/s), {stats.Fail.Request.Count} failed; report in {result.ReportFolder}");

// Assert on the stats as a CI job would: every visit ran both steps, and the thresholds held.
var fanOut = stats.StepStats.Get("fan-out");
if (fanOut.Ok.Request.Count != stats.Ok.Request.Count || fanOut.Ok.Latency.Percent50 < 10)
{
    Console.Error.WriteLine("expected every ok visit to include one fan-out of at least the downstream's 10 ms");
    return 1;
}

foreach (var failed in result.Thresholds.Where(t => !t.Passed))
{
    Console.Error.WriteLine($"threshold failed: {failed.Scenario}: {failed.Expression} (was {failed.Actual})");
}

return result.ExitCode;

async Task<IResponse> GetAsync(string path, CancellationToken cancellationToken)
{
    using var response = await http.GetAsync(path, cancellationToken);
    var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
    return response.IsSuccessStatusCode
        ? Response.Ok(statusCode: (int)response.StatusCode, sizeBytes: body.Length)
        : Response.Fail(statusCode: (int)response.StatusCode, sizeBytes: body.Length);
}
