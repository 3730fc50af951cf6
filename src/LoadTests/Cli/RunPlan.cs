using Harness.Load;
using Harness.LoadTests.Suites;

namespace Harness.LoadTests.Cli;

/// <summary>Everything a run needs, resolved from defaults, the scenarios file and the command line (in that order), and checked.</summary>
public sealed record RunPlan
{
    public required IReadOnlyList<string> Suites { get; init; }

    public required Profile Profile { get; init; }

    public Uri? Target { get; init; }

    public IReadOnlyList<Uri> Scrape { get; init; } = [];

    public IReadOnlyList<string> ScenarioNames { get; init; } = [];

    public IReadOnlyList<ScenarioSpec> CustomScenarios { get; init; } = [];

    /// <summary>The scenarios file's folder, against which relative feed files are resolved.</summary>
    public string? ScenarioFolder { get; init; }

    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];

    public required EngineSettings Engine { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public string Output { get; init; } = "reports";

    public bool FreshServices { get; init; } = true;

    /// <summary>Start the Aspire dashboard for the embedded services (<c>--dashboard</c>).</summary>
    public bool Dashboard { get; init; }

    /// <summary>The settings as written, for the report's fingerprint.</summary>
    public Dictionary<string, string> Described { get; init; } = [];

    /// <summary>Merges <paramref name="cli"/> over <paramref name="file"/> (a property set on the command line wins) and checks the result.</summary>
    public static RunPlan Resolve(ScenarioFile? file, ScenarioFile cli)
    {
        file ??= new ScenarioFile();
        T? Pick<T>(Func<ScenarioFile, T?> get) => get(cli) ?? get(file);

        var custom = file.Scenarios ?? [];
        var suiteText = Pick(f => f.Suite) ?? (custom.Count > 0 ? Suite.Custom : Suite.Compare);
        var suites = suiteText.ToLowerInvariant() switch
        {
            "all" => [.. Suite.Names],
            Suite.Custom when custom.Count == 0 => throw new ConfigurationException("Suite 'custom' needs scenarios in the --config file (\"scenarios\": [...])."),
            var s when s == Suite.Custom || Suite.Names.Contains(s) => (IReadOnlyList<string>)[s],
            _ => throw new ConfigurationException($"Unknown suite '{suiteText}'. Known: {string.Join(", ", Suite.Names)}, all, or custom (scenarios from --config)."),
        };

        var baseProfile = Profile.Named(Pick(f => f.Profile) ?? "default");
        var model = Model(Pick(f => f.Model), Pick(f => f.Rate), Pick(f => f.Users), suites);
        var profile = baseProfile with
        {
            Model = model,
            Rate = Pick(f => f.Rate) ?? baseProfile.Rate,
            Users = Positive(Pick(f => f.Users) ?? baseProfile.Users, "users"),
            FanOut = Range(Pick(f => f.N) ?? baseProfile.FanOut, 1, 100, "n"),
            DelayMs = Range(Pick(f => f.DelayMs) ?? baseProfile.DelayMs, 0, 60_000, "delay-ms"),
            WarmUp = Duration(Pick(f => f.WarmUp), baseProfile.WarmUp, "warm-up", allowZero: true),
            Ramp = Duration(Pick(f => f.Ramp), baseProfile.Ramp, "ramp"),
            Hold = Duration(Pick(f => f.Hold), baseProfile.Hold, "hold"),
            StepDuration = Duration(Pick(f => f.StepDuration), baseProfile.StepDuration, "step-duration"),
            Steps = Pick(f => f.Steps) is { Count: > 0 } steps
                ? steps.Any(s => s < 1) ? throw new ConfigurationException($"steps: every step must be ≥ 1 user (got {string.Join(",", steps)}).") : steps
                : baseProfile.Steps,
        };

        Uri? target = null;
        if (Pick(f => f.Target) is { Length: > 0 } targetText)
        {
            if (!Uri.TryCreate(targetText, UriKind.Absolute, out target) || target.Scheme is not ("http" or "https"))
            {
                throw new ConfigurationException($"--target: '{targetText}' is not an http(s) URL; write e.g. http://localhost:8080.");
            }
        }

        var scrape = new List<Uri>();
        foreach (var text in Pick(f => f.Scrape) ?? [])
        {
            scrape.Add(Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new ConfigurationException($"--scrape: '{text}' is not an http(s) URL of a /metrics endpoint."));
        }

        var thresholds = (Pick(f => f.Thresholds) ?? []).Select(Threshold.Parse).ToList();
        for (int i = 0; i < custom.Count; i++)
        {
            var spec = custom[i];
            if (string.IsNullOrWhiteSpace(spec.Name))
            {
                throw new ConfigurationException($"scenarios[{i}]: \"name\" is required.");
            }

            // Built once here only to be checked before any load; the run builds its own (feeds keep their position).
            var where = $"scenarios[{i}] ({spec.Name})";
            var requests = spec.ToSteps(where);
            var feed = spec.ToFeed(where, file.Folder);
            for (int k = 0; k < requests.Count; k++)
            {
                if (requests[k].Request.Problem(feed?.Fields) is { } problem)
                {
                    throw new ConfigurationException($"{where}.steps[{k}] ({requests[k].Name}): {problem}.");
                }
            }

            if (spec.Load.Count == 0)
            {
                throw new ConfigurationException($"scenarios[{i}] ({spec.Name}): \"load\" needs at least one simulation.");
            }

            for (int j = 0; j < spec.Load.Count; j++)
            {
                spec.Load[j].ToSimulation($"scenarios[{i}].load[{j}]");
            }

            thresholds.AddRange((spec.Thresholds ?? []).Select(t => Threshold.Parse($"{spec.Name}: {t}")));
        }

        if (custom.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new ConfigurationException($"scenarios: the name '{duplicate.Key}' is used twice.");
        }

        var engine = new EngineSettings
        {
            Interval = Duration(Pick(f => f.Interval), TimeSpan.FromSeconds(1), "interval"),
            DrainTimeout = Duration(Pick(f => f.DrainTimeout), TimeSpan.FromSeconds(15), "drain-timeout", allowZero: true),
            TimeLimit = Pick(f => f.TimeLimit) is { } limit ? Duration(limit, TimeSpan.Zero, "time-limit") : null,
            AbortOnThreshold = Pick(f => f.AbortOnThreshold) ?? false,
            Segment = Pick(f => f.Segment) is { } segment ? Harness.Load.Segment.Parse(segment, "segment") : Harness.Load.Segment.Whole,
            StartAt = Pick(f => f.StartAt) is { } startAt ? StartTime(startAt) : null,
            RunId = Pick(f => f.RunId) is { } runId ? RunIdText(runId) : null,
        };
        if (engine.StartAt is not null && suites.Count > 1)
        {
            throw new ConfigurationException("start-at: one start time fits one suite; run the suites one by one, each with its own --start-at.");
        }
        if (engine.Interval < TimeSpan.FromMilliseconds(100))
        {
            throw new ConfigurationException("interval: must be at least 100ms.");
        }

        var plan = new RunPlan
        {
            Suites = suites,
            Profile = profile,
            Target = target,
            Scrape = scrape,
            ScenarioNames = Pick(f => f.Scenario) ?? [],
            CustomScenarios = custom,
            ScenarioFolder = file.Folder,
            Thresholds = thresholds,
            Engine = engine,
            RequestTimeout = Duration(Pick(f => f.RequestTimeout), TimeSpan.FromSeconds(60), "request-timeout"),
            Output = Pick(f => f.Output) ?? "reports",
            FreshServices = Pick(f => f.FreshServices) ?? true,
            Dashboard = Pick(f => f.Dashboard) ?? false,
        };
        if (plan.Dashboard && plan.Target is not null)
        {
            throw new ConfigurationException(
                "--dashboard starts the Aspire dashboard for the embedded services; a --target stack exports to its own (docker compose: the aspire-dashboard service). Drop one of the two.");
        }

        return plan with { Described = plan.Describe() };
    }

    private Dictionary<string, string> Describe() => new()
    {
        ["suite"] = string.Join(",", Suites),
        ["profile"] = Profile.Name,
        ["target"] = Target?.ToString() ?? "embedded (child processes on loopback)",
        ["model"] = Profile.Model == LoadModel.Open ? "open" : "closed",
        ["users"] = Profile.Model == LoadModel.Open ? "" : Profile.Users.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["rate"] = Profile.Model == LoadModel.Open ? Profile.Rate.ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
        ["n"] = Profile.FanOut.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["delay_ms"] = Profile.DelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["warm_up"] = Durations.Format(Profile.WarmUp),
        ["ramp"] = Durations.Format(Profile.Ramp),
        ["hold"] = Durations.Format(Profile.Hold),
        ["steps"] = string.Join(",", Profile.Steps),
        ["step_duration"] = Durations.Format(Profile.StepDuration),
        ["interval"] = Durations.Format(Engine.Interval),
        ["request_timeout"] = Durations.Format(RequestTimeout),
        ["thresholds"] = string.Join("; ", Thresholds.Select(t => t.Expression)),
        ["fresh_services"] = FreshServices ? "yes" : "no",
        ["segment"] = Engine.Segment.IsWhole ? "" : Engine.Segment.ToString(),
        ["start_at"] = Engine.StartAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) : "",
        ["dashboard"] = Dashboard ? "yes" : "no",
    };

    private static LoadModel Model(string? text, double? rate, int? users, IReadOnlyList<string> suites)
    {
        var model = text?.ToLowerInvariant() switch
        {
            null or "closed" => LoadModel.Closed,
            "open" => LoadModel.Open,
            _ => throw new ConfigurationException($"Unknown model '{text}'. Known: closed (users in a loop, the default) or open (arrivals at --rate)."),
        };

        if (model == LoadModel.Closed)
        {
            return rate is null
                ? model
                : throw new ConfigurationException("rate: --rate is the open model's arrival rate; add --model open (the closed model's load is --users).");
        }

        if (rate is { } r && !(r > 0 && double.IsFinite(r)))
        {
            throw new ConfigurationException($"rate: must be a positive number of requests per second (got {r.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
        }

        if (users is not null)
        {
            throw new ConfigurationException("users: the open model has no users, only arrivals; give its load as --rate (requests per second), or drop --model open.");
        }

        return suites.Any(s => s != Suite.Compare)
            ? throw new ConfigurationException($"model: only the compare suite has an open variant (this run has {string.Join(", ", suites)}); run --suite compare --model open.")
            : model;
    }

    private static DateTimeOffset StartTime(string text)
    {
        if (!DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var at)
            || !text.Contains('T', StringComparison.Ordinal))
        {
            throw new ConfigurationException($"start-at: '{text}' is not an ISO 8601 time; write it in UTC, e.g. 2026-12-02T18:00:00Z.");
        }

        return at > DateTimeOffset.UtcNow
            ? at
            : throw new ConfigurationException($"start-at: {text} has passed (it is {DateTimeOffset.UtcNow.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} now); give a time far enough ahead for every generator to be ready.");
    }

    private static string RunIdText(string text) =>
        text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? text
            : throw new ConfigurationException($"run-id: '{text}' must be 1–64 letters, digits, '-', '_' or '.'.");

    private static int Positive(int value, string name) =>
        value >= 1 ? value : throw new ConfigurationException($"{name}: must be at least 1 (got {value}).");

    private static int Range(int value, int min, int max, string name) =>
        value >= min && value <= max ? value : throw new ConfigurationException($"{name}: must be between {min} and {max} (got {value}).");

    private static TimeSpan Duration(string? text, TimeSpan fallback, string name, bool allowZero = false)
    {
        if (text is null)
        {
            return fallback;
        }

        var value = Durations.Parse(text, name);
        return value > TimeSpan.Zero || (allowZero && value == TimeSpan.Zero)
            ? value
            : throw new ConfigurationException($"{name}: must be {(allowZero ? "zero or more" : "positive")} (got '{text}').");
    }
}
