using System.Globalization;
using Harness.Load;

namespace Harness.LoadTests.Suites;

/// <summary>An aggregation mode of TargetApp and the route that serves it.</summary>
public sealed record AggregationMode(string Name, string Route, bool Blocking, string Description)
{
    /// <summary>True when the mode makes its n calls one after another, so a request takes n × delay even unloaded.</summary>
    public bool Sequential { get; init; }

    /// <summary>How long one request takes with nothing else running: n × delay for a sequential mode, one delay otherwise.</summary>
    public TimeSpan UnloadedDuration(int fanOut, int delayMs) => TimeSpan.FromMilliseconds((Sequential ? fanOut : 1) * delayMs);
}

/// <summary>How a suite loads the service: a fixed number of users each waiting for its answer, or arrivals at a rate whatever the answers do.</summary>
public enum LoadModel
{
    /// <summary>Users in a loop: a slow server slows the load down with it (what a benchmark sees).</summary>
    Closed,

    /// <summary>Arrivals at a fixed rate, latency from each one's intended start (what a production service sees).</summary>
    Open,
}

/// <summary>How big a suite runs: <c>smoke</c> for tests (seconds), <c>default</c> (minutes), <c>long</c>.</summary>
public sealed record Profile
{
    public required string Name { get; init; }

    /// <summary>compare: closed (users, the default) or open (arrivals at <see cref="Rate"/>).</summary>
    public LoadModel Model { get; init; }

    public int Users { get; init; }

    /// <summary>compare, open model: arrivals per second offered to each mode at the end of the ramp and through the hold.</summary>
    public double Rate { get; init; }

    public int FanOut { get; init; }

    public int DelayMs { get; init; }

    public TimeSpan WarmUp { get; init; }

    public TimeSpan Ramp { get; init; }

    public TimeSpan Hold { get; init; }

    public IReadOnlyList<int> Steps { get; init; } = [];

    /// <summary>The shortest a starvation step lasts (<c>--step-duration</c>); see <see cref="StepRequests"/>.</summary>
    public TimeSpan StepDuration { get; init; }

    /// <summary>
    /// A starvation step lasts at least this many unloaded request durations of its mode, so that after
    /// its transition (one request duration, which the knee leaves out) it still measures a few whole
    /// requests per user: 3 × 5 s for the sequential modes of the default profile.
    /// </summary>
    public int StepRequests { get; init; } = 3;

    /// <summary>How long each starvation step of <paramref name="mode"/> lasts.</summary>
    public TimeSpan StepDurationOf(AggregationMode mode)
    {
        var requests = mode.UnloadedDuration(FanOut, DelayMs) * StepRequests;
        return requests > StepDuration ? requests : StepDuration;
    }

    /// <summary>
    /// The longest a starvation step lasts: past the knee a step holds its users until it has seen
    /// <see cref="StepRequests"/> answers per user at the latency it meets (6–25 s a request for the
    /// starving modes), but not beyond this, so that the suite keeps to a budget.
    /// </summary>
    public TimeSpan MaxStepDuration { get; init; }

    /// <summary>The step every starvation step of <paramref name="mode"/> runs at <paramref name="users"/> users.</summary>
    public LoadSimulation StarvationStep(AggregationMode mode, int users)
    {
        var least = StepDurationOf(mode);
        return Simulation.KeepConstantUntil(users, least, StepRequests, MaxStepDuration > least ? MaxStepDuration : least);
    }

    public int SeedIterations { get; init; }

    public int SeedDelayMs { get; init; }

    public static readonly IReadOnlyList<Profile> All =
    [
        new()
        {
            Name = "smoke", Rate = 50, Users = 8, FanOut = 4, DelayMs = 100, WarmUp = TimeSpan.FromSeconds(1), Ramp = TimeSpan.FromSeconds(1), Hold = TimeSpan.FromSeconds(4),
            Steps = [1, 4, 16], StepDuration = TimeSpan.FromSeconds(2), MaxStepDuration = TimeSpan.FromSeconds(6), SeedIterations = 1, SeedDelayMs = 100,
        },
        new()
        {
            Name = "default", Rate = 40, Users = 50, FanOut = 10, DelayMs = 500, WarmUp = TimeSpan.FromSeconds(3), Ramp = TimeSpan.FromSeconds(10), Hold = TimeSpan.FromSeconds(20),
            Steps = [1, 2, 4, 8, 16, 32, 64, 128], StepDuration = TimeSpan.FromSeconds(5), MaxStepDuration = TimeSpan.FromSeconds(20), SeedIterations = 3, SeedDelayMs = 1000,
        },
        new()
        {
            Name = "long", Rate = 40, Users = 100, FanOut = 10, DelayMs = 1000, WarmUp = TimeSpan.FromSeconds(5), Ramp = TimeSpan.FromSeconds(20), Hold = TimeSpan.FromSeconds(60),
            Steps = [1, 2, 4, 8, 16, 32, 64, 128, 256], StepDuration = TimeSpan.FromSeconds(10), MaxStepDuration = TimeSpan.FromSeconds(40), SeedIterations = 5, SeedDelayMs = 1000,
        },
    ];

    /// <summary>
    /// Open model: each mode may have this many seconds of arrivals in flight (rate × 10 s), as a
    /// client's connection pool or a balancer's queue would allow; past it, arrivals are not sent
    /// and counted as dropped, so a mode that falls behind shows it instead of piling up without end.
    /// </summary>
    public static readonly TimeSpan OpenInFlightWindow = TimeSpan.FromSeconds(10);

    /// <summary>Open model: requests in flight at most for each mode, <see cref="OpenInFlightWindow"/> of arrivals at <see cref="Rate"/>.</summary>
    public int MaxInFlight => (int)Math.Max(1, Math.Ceiling(Rate * OpenInFlightWindow.TotalSeconds));

    public static Profile Named(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ConfigurationException($"Unknown profile '{name}'. Known: {string.Join(", ", All.Select(p => p.Name))}.");
}

/// <summary>The harness's experiments, each a list of scenarios over TargetApp's aggregation routes.</summary>
public static class Suite
{
    public const string Seed = "seed";
    public const string Compare = "compare";
    public const string Starvation = "starvation";
    public const string Custom = "custom";

    public static readonly IReadOnlyList<string> Names = [Seed, Compare, Starvation];

    public static readonly IReadOnlyList<AggregationMode> Modes =
    [
        new("async", "/api/aggregated/", false, "n concurrent calls, awaited together"),
        new("sync", "/api/aggregated_sync/", true, "anti-pattern demo: n blocking calls one after another on the request's thread") { Sequential = true },
        new("sync_over_async", "/api/aggregated_sync_over_async/", true, "anti-pattern demo: async calls blocked on with .GetAwaiter().GetResult()"),
        new("threadpool", "/api/aggregated_threadpool/", true, "anti-pattern demo under load: blocking calls spread over pool threads (Parallel.For)"),
        new("offload", "/api/aggregated_offload/", true, "anti-pattern demo under load: each blocking call in Task.Run"),
        new("dedicated", "/api/aggregated_dedicated/", true, "blocking calls on one dedicated non-pool thread per request") { Sequential = true },
    ];

    /// <summary>Seed figures from the Django 3.1 post, 10 calls of 1 s each.</summary>
    public static readonly IReadOnlyDictionary<string, double> SeedSeconds = new Dictionary<string, double> { ["async"] = 1.08, ["sync"] = 10.38 };

    /// <summary>The suite's scenarios; <paramref name="beforeEach"/> (e.g. a restart of the services) runs before each mode.</summary>
    public static List<ScenarioProps> Build(string suite, Profile profile, HttpTarget target, Func<CancellationToken, Task>? beforeEach)
    {
        string Path(AggregationMode mode, int delayMs) =>
            string.Create(CultureInfo.InvariantCulture, $"{mode.Route}?n={profile.FanOut}&delay_ms={delayMs}");

        Dictionary<string, string> Labels(AggregationMode mode, int delayMs) => new()
        {
            ["mode"] = mode.Name,
            ["path"] = Path(mode, delayMs),
            ["blocking"] = mode.Blocking ? "yes" : "no",
            ["description"] = mode.Description,
        };

        // A 2xx is not enough: the answer must be the seed's shape, with no failed call and all n replies
        // (the sync view lists them under aggregated_responses). Each check is counted by name when it fails.
        Func<IScenarioContext, Task<IResponse>> Send(AggregationMode mode, int delayMs) =>
            target.Send(Http.Get(Path(mode, delayMs)).WithChecks(
                Check.JsonPath("no-failed-call", "$.failed").EqualTo("0"),
                Check.JsonPath("n-responses", string.Create(CultureInfo.InvariantCulture, $"$.{(mode.Name == "sync" ? "aggregated_responses" : "responses")}[{profile.FanOut - 1}]")).Exists()));

        switch (suite)
        {
            case Seed:
                // Side by side, as in the post: one async and one sync aggregation, a few times each.
                return [.. Modes.Where(m => SeedSeconds.ContainsKey(m.Name)).Select(mode => Scenario.Create("seed_" + mode.Name, Send(mode, profile.SeedDelayMs))
                    .WithGroup("seed_" + mode.Name)
                    .WithLoadSimulations(Simulation.IterationsForConstant(1, profile.SeedIterations))
                    .WithLabels(new Dictionary<string, string>(Labels(mode, profile.SeedDelayMs))
                    {
                        ["seed_seconds"] = SeedSeconds[mode.Name].ToString(CultureInfo.InvariantCulture),
                        ["seed_delay_ms"] = "1000",
                    }))];

            case Compare when profile.Model == LoadModel.Open:
                // Every mode gets the same arrivals, ramped then held, whatever its answers do: a mode
                // that falls behind builds a backlog, charged from each request's intended start.
                return [.. Modes.Select(mode => Scenario.Create(mode.Name, Send(mode, profile.DelayMs))
                    .WithGroup(Compare)
                    .WithWarmUpDuration(profile.WarmUp)
                    .WithLoadSimulations(Simulation.RampingInject(profile.Rate, TimeSpan.FromSeconds(1), profile.Ramp), Simulation.Inject(profile.Rate, TimeSpan.FromSeconds(1), profile.Hold))
                    .WithMaxInFlight(profile.MaxInFlight)
                    .WithLabels(new Dictionary<string, string>(Labels(mode, profile.DelayMs))
                    {
                        ["model"] = "open",
                        ["rate"] = profile.Rate.ToString(CultureInfo.InvariantCulture),
                        ["max_in_flight"] = profile.MaxInFlight.ToString(CultureInfo.InvariantCulture),
                    }) with { BeforeRun = beforeEach })];

            case Compare:
                return [.. Modes.Select(mode => Scenario.Create(mode.Name, Send(mode, profile.DelayMs))
                    .WithGroup(Compare)
                    .WithWarmUpDuration(profile.WarmUp)
                    .WithLoadSimulations(Simulation.RampingConstant(profile.Users, profile.Ramp), Simulation.KeepConstant(profile.Users, profile.Hold))
                    .WithLabels(Labels(mode, profile.DelayMs)) with { BeforeRun = beforeEach })];

            case Starvation:
                return [.. Modes.Select(mode => Scenario.Create(mode.Name, target.Get(Path(mode, profile.DelayMs)))
                    .WithGroup(Starvation)
                    .WithWarmUpDuration(profile.WarmUp)
                    .WithLoadSimulations([.. profile.Steps.Select(users => profile.StarvationStep(mode, users))])
                    .WithLabels(Labels(mode, profile.DelayMs)) with { BeforeRun = beforeEach })];

            default:
                throw new ConfigurationException($"Unknown suite '{suite}'. Known: {string.Join(", ", Names)}, all (each in turn), or give scenarios in a --config file.");
        }
    }

    /// <summary>Keeps the scenarios named in <paramref name="names"/> (comma-separated allowed); unknown names are an error that lists the known ones.</summary>
    public static List<ScenarioProps> Select(List<ScenarioProps> scenarios, IReadOnlyList<string> names)
    {
        var wanted = names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (wanted.Count == 0)
        {
            return scenarios;
        }

        var unknown = wanted.Where(w => !scenarios.Any(s => string.Equals(s.Name, w, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            throw new ConfigurationException(
                $"Unknown scenario{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}. This suite has: {string.Join(", ", scenarios.Select(s => s.Name))}.");
        }

        return [.. scenarios.Where(s => wanted.Contains(s.Name, StringComparer.OrdinalIgnoreCase))];
    }
}
