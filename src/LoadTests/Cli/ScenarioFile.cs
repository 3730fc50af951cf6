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

    public int? Users { get; set; }

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

    /// <summary>Embedded run: start the Aspire dashboard, send it every service's OTLP, and draw the marked requests' traces in the report.</summary>
    public bool? Dashboard { get; set; }

    /// <summary>Scenarios of your own; when given (and no suite), the run is the "custom" suite.</summary>
    public List<ScenarioSpec>? Scenarios { get; set; }

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
            return JsonSerializer.Deserialize<ScenarioFile>(File.ReadAllText(path), Options)
                ?? throw new ConfigurationException($"{path}: the file is empty (null).");
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException($"{path}: {ex.Message}");
        }
    }
}

/// <summary>One scenario of your own: a GET of <see cref="Path"/> under a list of load phases.</summary>
public sealed class ScenarioSpec
{
    public string Name { get; set; } = "";

    /// <summary>Path and query, relative to the target, e.g. <c>/api/aggregated/?n=10</c>.</summary>
    public string Path { get; set; } = "";

    public string? WarmUp { get; set; }

    public int? MaxInFlight { get; set; }

    /// <summary>Run after the previous scenario with the same group; scenarios in different groups run at once.</summary>
    public string? Group { get; set; }

    public List<LoadSpec> Load { get; set; } = [];

    public List<string>? Thresholds { get; set; }
}

/// <summary>
/// One phase: <c>{"simulation":"inject","rate":100,"interval":"1s","during":"30s"}</c>;
/// simulations: keep-constant, ramping-constant, inject, ramping-inject,
/// iterations-for-constant, iterations-for-inject, pause.
/// </summary>
public sealed class LoadSpec
{
    public string Simulation { get; set; } = "";

    public int? Copies { get; set; }

    public double? Rate { get; set; }

    public string? Interval { get; set; }

    public string? During { get; set; }

    public long? Iterations { get; set; }

    public LoadSimulation ToSimulation(string where)
    {
        TimeSpan DuringValue() => Durations.Parse(During ?? throw new ConfigurationException($"{where}: '{Simulation}' needs \"during\"."), where + ".during");
        TimeSpan IntervalValue() => Interval is null ? TimeSpan.FromSeconds(1) : Durations.Parse(Interval, where + ".interval");
        int CopiesValue() => Copies ?? throw new ConfigurationException($"{where}: '{Simulation}' needs \"copies\".");
        double RateValue() => Rate ?? throw new ConfigurationException($"{where}: '{Simulation}' needs \"rate\".");
        long IterationsValue() => Iterations ?? throw new ConfigurationException($"{where}: '{Simulation}' needs \"iterations\".");

        LoadSimulation simulation = Simulation.ToLowerInvariant().Replace("_", "-", StringComparison.Ordinal) switch
        {
            "keep-constant" => new LoadSimulation.KeepConstant(CopiesValue(), DuringValue()),
            "ramping-constant" => new LoadSimulation.RampingConstant(CopiesValue(), DuringValue()),
            "inject" => new LoadSimulation.Inject(RateValue(), IntervalValue(), DuringValue()),
            "ramping-inject" => new LoadSimulation.RampingInject(RateValue(), IntervalValue(), DuringValue()),
            "iterations-for-constant" => new LoadSimulation.IterationsForConstant(CopiesValue(), IterationsValue()),
            "iterations-for-inject" => new LoadSimulation.IterationsForInject(RateValue(), IntervalValue(), IterationsValue()),
            "pause" => new LoadSimulation.Pause(DuringValue()),
            _ => throw new ConfigurationException(
                $"{where}: unknown simulation '{Simulation}'. Use keep-constant, ramping-constant, inject, ramping-inject, iterations-for-constant, iterations-for-inject or pause."),
        };

        return simulation.Problem() is { } problem ? throw new ConfigurationException($"{where}: {problem}.") : simulation;
    }
}
