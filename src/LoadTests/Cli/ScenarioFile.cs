using System.Text.Json;
using System.Text.Json.Serialization;
using Harness.Load;

namespace Harness.LoadTests.Cli;

/// <summary>
/// The scenarios JSON file (<c>--config</c>): every command-line setting, plus scenarios of your
/// own against any HTTP service. Unknown properties are errors, so a typo cannot pass silently.
/// </summary>
public sealed class ScenarioFile
{
    public string? Suite { get; set; }

    public string? Profile { get; set; }

    public string? Target { get; set; }

    public List<string>? Scrape { get; set; }

    public List<string>? Scenario { get; set; }

    /// <summary>compare: "closed" (users, the default) or "open" (arrivals at <see cref="Rate"/>).</summary>
    public string? Model { get; set; }

    public int? Users { get; set; }

    /// <summary>compare with "model": "open": arrivals per second offered to each mode.</summary>
    public double? Rate { get; set; }

    public int? N { get; set; }

    public int? DelayMs { get; set; }

    public string? WarmUp { get; set; }

    public string? Ramp { get; set; }

    public string? Hold { get; set; }

    public List<int>? Steps { get; set; }

    public string? StepDuration { get; set; }

    public List<string>? Thresholds { get; set; }

    public bool? AbortOnThreshold { get; set; }

    public string? Output { get; set; }

    public string? Interval { get; set; }

    public string? TimeLimit { get; set; }

    public string? RequestTimeout { get; set; }

    public string? DrainTimeout { get; set; }

    public bool? FreshServices { get; set; }

    /// <summary>"I/N": this generator's share of the load (see docs/load-engine.md, Distributed runs).</summary>
    public string? Segment { get; set; }

    /// <summary>ISO 8601 UTC time at which the load starts.</summary>
    public string? StartAt { get; set; }

    public string? RunId { get; set; }

    /// <summary>Embedded run: start the Aspire dashboard, send it every service's OTLP, and draw the marked requests' traces in the report.</summary>
    public bool? Dashboard { get; set; }

    /// <summary>Scenarios of your own; when given (and no suite), the run is the "custom" suite.</summary>
    public List<ScenarioSpec>? Scenarios { get; set; }

    /// <summary>The folder of the file this was read from: relative feed files are resolved against it.</summary>
    [JsonIgnore]
    public string? Folder { get; set; }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static ScenarioFile Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConfigurationException($"--config: '{path}' does not exist.");
        }

        try
        {
            var file = JsonSerializer.Deserialize<ScenarioFile>(File.ReadAllText(path), Options)
                ?? throw new ConfigurationException($"{path}: the file is empty (null).");
            file.Folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            return file;
        }
        catch (JsonException ex)
        {
            // The path (e.g. $.scenarios[0].steps[1]) says which scenario and step the unknown or mistyped property is in.
            throw new ConfigurationException(ex.Path is { Length: > 1 } at && !ex.Message.Contains(at, StringComparison.Ordinal) ? $"{path}, at {at}: {ex.Message}" : $"{path}: {ex.Message}");
        }
    }
}

/// <summary>
/// One scenario of your own under a list of load phases: a GET of <see cref="Path"/>, or
/// <see cref="Steps"/> (any requests, with checks), optionally reading rows from a <see cref="Feed"/>.
/// </summary>
public sealed class ScenarioSpec
{
    public string Name { get; set; } = "";

    /// <summary>Path and query, relative to the target, e.g. <c>/api/aggregated/?n=10</c>: the scenario is one GET step of it. Not with <see cref="Steps"/>.</summary>
    public string? Path { get; set; }

    public FeedSpec? Feed { get; set; }

    public List<StepSpec>? Steps { get; set; }

    public string? WarmUp { get; set; }

    public int? MaxInFlight { get; set; }

    /// <summary>Run after the previous scenario with the same group; scenarios in different groups run at once.</summary>
    public string? Group { get; set; }

    public List<LoadSpec> Load { get; set; } = [];

    public List<string>? Thresholds { get; set; }

    /// <summary>The feed (a fresh one on each call: feeds keep their position), or null; <paramref name="folder"/> resolves a relative file.</summary>
    public DataFeed? ToFeed(string where, string? folder)
    {
        if (Feed is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(Feed.File))
        {
            throw new ConfigurationException($"{where}.feed.file: is required, e.g. \"ids.csv\" (CSV with a header row) or \"rows.json\" (an array of objects).");
        }

        var file = System.IO.Path.IsPathRooted(Feed.File) || folder is null ? Feed.File : System.IO.Path.Combine(folder, Feed.File);
        try
        {
            return DataFeed.FromFile(file, DataFeed.ParseStrategy(Feed.Strategy ?? "circular"));
        }
        catch (ConfigurationException ex)
        {
            throw new ConfigurationException($"{where}.feed: {ex.Message}");
        }
    }

    /// <summary>The scenario's requests, checked: <see cref="Path"/> alone is one GET step named after the scenario.</summary>
    public List<HttpStep> ToSteps(string where)
    {
        if (Steps is { Count: > 0 } && Path is not null)
        {
            throw new ConfigurationException($"{where}: give \"path\" (one GET) or \"steps\", not both.");
        }

        if (Steps is not { Count: > 0 })
        {
            if (string.IsNullOrWhiteSpace(Path) || !Path.StartsWith('/'))
            {
                throw new ConfigurationException($"{where}: \"path\" must start with '/', e.g. \"/api/aggregated/\" (or give \"steps\").");
            }

            return [Http.Step(Name, Http.Get(Path))];
        }

        var steps = new List<HttpStep>();
        for (int i = 0; i < Steps.Count; i++)
        {
            var step = Steps[i];
            var at = $"{where}.steps[{i}]{(string.IsNullOrWhiteSpace(step.Name) ? "" : $" ({step.Name})")}";
            steps.Add(step.ToStep(at, fallbackName: Steps.Count == 1 ? Name : $"step{i + 1}"));
        }

        if (steps.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ConfigurationException($"{where}.steps: the name '{twice.Key}' is used twice.");
        }

        return steps;
    }
}

/// <summary>Rows for <c>{{field}}</c>: <c>{"file": "ids.csv", "strategy": "circular"}</c> (circular, random, constant or queue).</summary>
public sealed class FeedSpec
{
    /// <summary>A .csv (header row) or .json (array of objects) file, relative to the scenario file's folder.</summary>
    public string File { get; set; } = "";

    public string? Strategy { get; set; }
}

/// <summary>One request: <c>{"name":"create","method":"POST","path":"/orders/{{id}}","headers":{...},"body":"...","checks":[...]}</c>.</summary>
public sealed class StepSpec
{
    public string? Name { get; set; }

    public string Method { get; set; } = "GET";

    public string Path { get; set; } = "";

    public Dictionary<string, string>? Headers { get; set; }

    /// <summary>A string is sent as written (text/plain unless a Content-Type header says otherwise); an object or array as its JSON (application/json).</summary>
    public JsonElement? Body { get; set; }

    /// <summary>Fields sent as an application/x-www-form-urlencoded body.</summary>
    public Dictionary<string, string>? Form { get; set; }

    /// <summary>"1.1" (the default) or "2" (over http:// cleartext HTTP/2 with prior knowledge, h2c).</summary>
    public string? Http { get; set; }

    /// <summary>Keep each user's cookies from one of its requests to the next.</summary>
    public bool? Cookies { get; set; }

    public List<CheckSpec>? Checks { get; set; }

    public HttpStep ToStep(string where, string fallbackName)
    {
        if (string.IsNullOrWhiteSpace(Path) || !Path.StartsWith('/'))
        {
            throw new ConfigurationException($"{where}.path: must start with '/', e.g. \"/orders/{{{{id}}}}\".");
        }

        if (string.IsNullOrWhiteSpace(Method) || !Method.All(char.IsAsciiLetter))
        {
            throw new ConfigurationException($"{where}.method: '{Method}' is not an HTTP method (GET, POST, PUT, PATCH, DELETE, …).");
        }

        var request = Harness.Load.Http.Request(Method, Path);
        foreach (var (name, value) in Headers ?? [])
        {
            request = request.WithHeader(name, value);
        }

        if (Body is { } body && Form is not null)
        {
            throw new ConfigurationException($"{where}: give \"body\" or \"form\", not both.");
        }

        request = Body switch
        {
            { ValueKind: JsonValueKind.String } text => request.WithTextBody(text.GetString()!),
            { ValueKind: JsonValueKind.Object or JsonValueKind.Array } json => request.WithJsonBody(json.GetRawText()),
            { ValueKind: JsonValueKind.Null } or null => request,
            _ => throw new ConfigurationException($"{where}.body: a string (sent as written) or a JSON object or array."),
        };
        if (Form is not null)
        {
            request = request.WithFormBody(Form);
        }

        request = Http switch
        {
            null or "1.1" => request,
            "2" or "2.0" => request.WithHttp2(),
            _ => throw new ConfigurationException($"{where}.http: '{Http}' is not a version; use \"1.1\" or \"2\"."),
        };
        if (Cookies == true)
        {
            request = request.WithCookies();
        }

        var checks = new List<Check>();
        for (int i = 0; i < (Checks?.Count ?? 0); i++)
        {
            var check = Checks![i];
            checks.Add(check.ToCheck($"{where}.checks[{i}]{(string.IsNullOrWhiteSpace(check.Name) ? "" : $" ({check.Name})")}"));
        }

        try
        {
            return Harness.Load.Http.Step(string.IsNullOrWhiteSpace(Name) ? fallbackName : Name, request.WithChecks([.. checks]));
        }
        catch (ConfigurationException ex)
        {
            throw new ConfigurationException($"{where}.checks: {ex.Message}");
        }
    }
}

/// <summary>
/// One named check, of one kind: <c>{"name":"created","status":201}</c> (or <c>[200,201]</c>),
/// <c>{"name":"json","header":"Content-Type","equals":"application/json"}</c>,
/// <c>{"name":"ok","bodyContains":"ok"}</c>, <c>{"name":"id","jsonPath":"$.id","equals":"{{id}}"}</c>
/// (or <c>"notEquals"</c>, or <c>"exists": true</c>).
/// </summary>
public sealed class CheckSpec
{
    public string Name { get; set; } = "";

    public JsonElement? Status { get; set; }

    public string? Header { get; set; }

    public string? BodyContains { get; set; }

    public string? JsonPath { get; set; }

    [JsonPropertyName("equals")]
    public string? EqualTo { get; set; }

    public string? NotEquals { get; set; }

    public bool? Exists { get; set; }

    public Check ToCheck(string where)
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ConfigurationException($"{where}.name: is required; a failed check is counted as check:<name>.");
        }

        var kinds = (Status is null ? 0 : 1) + (Header is null ? 0 : 1) + (BodyContains is null ? 0 : 1) + (JsonPath is null ? 0 : 1);
        if (kinds != 1)
        {
            throw new ConfigurationException($"{where}: give exactly one of \"status\", \"header\", \"bodyContains\" or \"jsonPath\".");
        }

        try
        {
            if (Status is { } status)
            {
                int[] statuses = status.ValueKind switch
                {
                    JsonValueKind.Number => [status.GetInt32()],
                    JsonValueKind.Array when status.EnumerateArray().All(s => s.ValueKind == JsonValueKind.Number) => [.. status.EnumerateArray().Select(s => s.GetInt32())],
                    _ => throw new ConfigurationException("status: a number or an array of numbers, e.g. 201 or [200, 201]."),
                };
                Refuse(EqualTo, NotEquals, Exists, "status");
                return Check.Status(Name, statuses);
            }

            if (Header is not null)
            {
                Refuse(null, NotEquals, Exists, "header");
                return Check.Header(Name, Header, EqualTo);
            }

            if (BodyContains is not null)
            {
                Refuse(EqualTo, NotEquals, Exists, "bodyContains");
                return Check.BodyContains(Name, BodyContains);
            }

            var path = Check.JsonPath(Name, JsonPath!);
            return (EqualTo, NotEquals, Exists) switch
            {
                ({ } equal, null, null) => path.EqualTo(equal),
                (null, { } notEqual, null) => path.NotEqualTo(notEqual),
                (null, null, true) => path.Exists(),
                _ => throw new ConfigurationException("jsonPath: give one of \"equals\", \"notEquals\" or \"exists\": true."),
            };
        }
        catch (ConfigurationException ex)
        {
            throw new ConfigurationException($"{where}: {ex.Message}");
        }
    }

    private static void Refuse(string? equalTo, string? notEquals, bool? exists, string kind)
    {
        if (equalTo is not null || notEquals is not null || exists is not null)
        {
            throw new ConfigurationException($"a \"{kind}\" check takes {(kind == "header" ? "only \"equals\"" : "no \"equals\", \"notEquals\" or \"exists\"")}.");
        }
    }
}

/// <summary>
/// One phase: <c>{"simulation":"inject","rate":100,"interval":"1s","during":"30s"}</c>;
/// simulations: keep-constant, keep-constant-until
/// (<c>{"simulation":"keep-constant-until","copies":8,"during":"5s","requests":3,"max":"20s"}</c>),
/// ramping-constant, inject, ramping-inject, iterations-for-constant, iterations-for-inject, pause.
/// </summary>
public sealed class LoadSpec
{
    public string Simulation { get; set; } = "";

    public int? Copies { get; set; }

    public double? Rate { get; set; }

    public string? Interval { get; set; }

    public string? During { get; set; }

    public long? Iterations { get; set; }

    /// <summary>keep-constant-until: answers per user the step waits for once past <see cref="During"/>.</summary>
    public int? Requests { get; set; }

    /// <summary>keep-constant-until: the longest the step may hold on.</summary>
    public string? Max { get; set; }

    public LoadSimulation ToSimulation(string where)
    {
        TimeSpan DuringValue() => Durations.Parse(During ?? throw new ConfigurationException($"{where}: '{Simulation}' needs \"during\"."), where + ".during");
        TimeSpan IntervalValue() => Interval is null ? TimeSpan.FromSeconds(1) : Durations.Parse(Interval, where + ".interval");
        int CopiesValue() => Copies ?? throw new ConfigurationException($"{where}: '{Simulation}' needs \"copies\".");
        double RateValue() => Rate ?? throw new ConfigurationException($"{where}: '{Simulation}' needs \"rate\".");
        long IterationsValue() => Iterations ?? throw new ConfigurationException($"{where}: '{Simulation}' needs \"iterations\".");
        int RequestsValue() => Requests ?? throw new ConfigurationException($"{where}: '{Simulation}' needs \"requests\" (answers per user to wait for).");
        TimeSpan MaxValue() => Durations.Parse(Max ?? throw new ConfigurationException($"{where}: '{Simulation}' needs \"max\" (the longest the step may last)."), where + ".max");

        LoadSimulation simulation = Simulation.ToLowerInvariant().Replace("_", "-", StringComparison.Ordinal) switch
        {
            "keep-constant" => new LoadSimulation.KeepConstant(CopiesValue(), DuringValue()),
            "keep-constant-until" => new LoadSimulation.KeepConstantUntil(CopiesValue(), DuringValue(), RequestsValue(), MaxValue()),
            "ramping-constant" => new LoadSimulation.RampingConstant(CopiesValue(), DuringValue()),
            "inject" => new LoadSimulation.Inject(RateValue(), IntervalValue(), DuringValue()),
            "ramping-inject" => new LoadSimulation.RampingInject(RateValue(), IntervalValue(), DuringValue()),
            "iterations-for-constant" => new LoadSimulation.IterationsForConstant(CopiesValue(), IterationsValue()),
            "iterations-for-inject" => new LoadSimulation.IterationsForInject(RateValue(), IntervalValue(), IterationsValue()),
            "pause" => new LoadSimulation.Pause(DuringValue()),
            _ => throw new ConfigurationException(
                $"{where}: unknown simulation '{Simulation}'. Use keep-constant, keep-constant-until, ramping-constant, inject, ramping-inject, iterations-for-constant, iterations-for-inject or pause."),
        };

        return simulation.Problem() is { } problem ? throw new ConfigurationException($"{where}: {problem}.") : simulation;
    }
}
