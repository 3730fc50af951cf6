using System.CommandLine;

namespace Harness.LoadTests.Cli;

/// <summary>The command line's grammar: every option and command with its --help text, and what a parse says as a scenarios file.</summary>
internal sealed class CommandLineSyntax
{
    public CommandLineSyntax()
    {
        Config = new Option<FileInfo?>("--config", "-c") { Description = "Scenarios JSON file (settings and/or scenarios of your own); options given here override it." };
        Suite = new Option<string?>("--suite", "-s") { Description = "seed | compare | starvation | all | custom. Default: compare (custom when --config has scenarios)." };
        Profile = new Option<string?>("--profile", "-p") { Description = "smoke (seconds) | default (a few minutes) | long: the size of the suite." };
        Target = new Option<string?>("--target", "-t") { Description = "Drive an existing stack at this URL (e.g. http://localhost:8080) instead of starting one." };
        Scrape = new Option<string[]>("--scrape") { Description = "A server /metrics URL to sample during the run (repeatable). Default: the embedded services, or <target>/metrics.", AllowMultipleArgumentsPerToken = false };
        Scenario = new Option<string[]>("--scenario") { Description = "Run only these scenarios (repeatable or comma-separated), e.g. --scenario async,sync." };
        Model = new Option<string?>("--model") { Description = "compare: closed (default: --users in a loop, each waiting for its answer) | open (arrivals at --rate whatever the answers do, latency from each one's intended start: what a production service sees)." };
        Users = new Option<int?>("--users", "-u") { Description = "Concurrent users for compare (the ramp's top). Profile default: 50." };
        Rate = new Option<double?>("--rate") { Description = "compare --model open: arrivals per second offered to each mode (the ramp's top). Profile default: 40 (smoke: 50)." };
        N = new Option<int?>("--n") { Description = "Downstream calls per aggregation (1–100). Profile default: 10." };
        Delay = new Option<int?>("--delay-ms") { Description = "Delay of each downstream call, ms (0–60000). Profile default: 500 (seed: 1000)." };
        WarmUp = new Option<string?>("--warm-up") { Description = "Warm-up per scenario, not counted (e.g. 3s)." };
        Ramp = new Option<string?>("--ramp") { Description = "compare: time to ramp from 0 to --users (e.g. 10s)." };
        Hold = new Option<string?>("--hold") { Description = "compare: time at --users after the ramp (e.g. 20s)." };
        Steps = new Option<int[]>("--steps") { Description = "starvation: the concurrency steps, e.g. --steps 1 2 4 8 16 32 64.", AllowMultipleArgumentsPerToken = true };
        StepDuration = new Option<string?>("--step-duration") { Description = "starvation: the shortest time at each step (e.g. 5s); a step lasts at least 3 unloaded requests of its mode, then until 3 answers per user (at most 20s, or this if longer)." };
        Threshold = new Option<string[]>("--threshold") { Description = "Pass/fail condition (repeatable): 'p99 < 1.5s', 'fail_rate < 1%', 'async: rps > 900'. Any failure exits with 1." };
        Abort = new Option<bool?>("--abort-on-threshold") { Description = "Stop as soon as a threshold can no longer pass (a count or the max past its bound, checked every interval); percentiles, means and rates can recover and are judged at the end." };
        Output = new Option<string?>("--output", "-o") { Description = "Folder for reports (default: reports); each run writes <time>-<suite>/ in it." };
        Interval = new Option<string?>("--interval") { Description = "Reporting interval (default 1s)." };
        TimeLimit = new Option<string?>("--time-limit") { Description = "Stop after this long, whatever is left, and write what was measured." };
        RequestTimeout = new Option<string?>("--request-timeout") { Description = "Per-request timeout (default 60s)." };
        DrainTimeout = new Option<string?>("--drain-timeout") { Description = "How long requests still in flight at a scenario's end may take (default 15s)." };
        NoRestart = new Option<bool>("--no-restart") { Description = "Embedded run: keep the same services for every mode instead of fresh processes per mode." };
        Dashboard = new Option<bool>("--dashboard") { Description = "Embedded run: start the .NET Aspire dashboard (traces, logs, metrics of every service), print its URL, draw one traced request per mode in the report, and keep it up after the run until Ctrl+C (when the console is interactive)." };
        MetricsPort = new Option<int?>("--metrics-port") { Description = "Expose the engine's own metrics for Prometheus on this port (/metrics)." };
        MetricsHost = new Option<string?>("--metrics-host") { Description = "Address for --metrics-port (default 127.0.0.1; 0.0.0.0 in containers)." };
        Segment = new Option<string?>("--segment") { Description = "Run the I-th of N equal shares of the load (e.g. 2/3), as one of N generators; merge their folders afterwards with 'merge'." };
        StartAt = new Option<string?>("--start-at") { Description = "Start the load at this UTC time (ISO 8601, e.g. 2026-12-02T18:00:00Z), so N generators start together; a time past is an error." };
        RunId = new Option<string?>("--run-id") { Description = "The id the segments of one distributed run share (default: made from --start-at)." };
        Plain = new Option<bool>("--plain") { Description = "Plain progress lines instead of the live table (automatic when output is redirected)." };

        Root = new RootCommand(
            "Harness load engine. With no options: starts TargetApp ×2, a downstream and the Gateway on loopback, runs the compare suite, " +
            "and writes reports/<time>-compare/ (index.html, summary.md, stats.csv, results.json). " +
            "Exit codes: 0 ok, 1 threshold failed, 2 bad configuration, 3 target unavailable, 4 regression (compare), 130 interrupted. " +
            $"Manual (in the repository): {DocsPages.Engine}; suites and profiles: {DocsPages.Suites}; scenario files and thresholds: {DocsPages.ScenarioFiles}; what each report shows: {DocsPages.Reports}.");
        foreach (var option in (Option[])[Config, Suite, Profile, Target, Scrape, Scenario, Model, Users, Rate, N, Delay, WarmUp, Ramp, Hold, Steps, StepDuration, Threshold, Abort, Output, Interval, TimeLimit, RequestTimeout, DrainTimeout, NoRestart, Dashboard, MetricsPort, MetricsHost, Segment, StartAt, RunId, Plain])
        {
            Root.Options.Add(option);
        }

        Baseline = new Argument<string>("baseline") { Description = "The baseline run's report folder (or its results.json)." };
        Candidate = new Argument<string>("candidate") { Description = "The candidate run's report folder (or its results.json)." };
        CompareOutput = new Option<string?>("--output", "-o") { Description = "Where to write the comparison (default: reports/<time>-comparison)." };
        Compare = new Command("compare", $"Compare two runs: both overlaid, differences flagged only where larger than the runs' own noise. Exit code 4 on a regression. How the noise is judged: {DocsPages.Comparing}.");
        Compare.Arguments.Add(Baseline);
        Compare.Arguments.Add(Candidate);
        Compare.Options.Add(CompareOutput);
        Root.Subcommands.Add(Compare);

        RunFolder = new Argument<string>("run") { Description = "A run's report folder (or its results.json)." };
        Render = new Command("render", "Write a run's index.html, summary.md and stats.csv again from its results.json (after an upgrade, say).");
        Render.Arguments.Add(RunFolder);
        Root.Subcommands.Add(Render);
        Render.SetAction(_ => ExitCodes.Ok);

        MergeFolders = new Argument<string[]>("segments") { Description = "The segments' report folders (or their results.json), one per segment.", Arity = ArgumentArity.OneOrMore };
        MergeOutput = new Option<string?>("--output", "-o") { Description = "Where to write the merged run (default: reports/<time>-<suite>)." };
        MergeThreshold = new Option<string[]>("--threshold") { Description = "Pass/fail condition on the merged run, besides the segments' own (repeatable). Any failure exits with 1." };
        Merge = new Command("merge", $"Merge the segments of a distributed run (--segment I/N) into one run: counts summed, HDR histograms added, thresholds checked on the whole. Exit code 1 when a threshold fails, 2 when the folders are not one run's segments. {DocsPages.Distributed}.");
        Merge.Arguments.Add(MergeFolders);
        Merge.Options.Add(MergeOutput);
        Merge.Options.Add(MergeThreshold);
        Root.Subcommands.Add(Merge);
        Merge.SetAction(_ => ExitCodes.Ok);

        // The commands are executed by LoadTestsApp after parsing; actions only mark them as runnable.
        Root.SetAction(_ => ExitCodes.Ok);
        Compare.SetAction(_ => ExitCodes.Ok);
    }

    public Option<FileInfo?> Config { get; }

    public Option<string?> Suite { get; }

    public Option<string?> Profile { get; }

    public Option<string?> Target { get; }

    public Option<string[]> Scrape { get; }

    public Option<string[]> Scenario { get; }

    public Option<string?> Model { get; }

    public Option<int?> Users { get; }

    public Option<double?> Rate { get; }

    public Option<int?> N { get; }

    public Option<int?> Delay { get; }

    public Option<string?> WarmUp { get; }

    public Option<string?> Ramp { get; }

    public Option<string?> Hold { get; }

    public Option<int[]> Steps { get; }

    public Option<string?> StepDuration { get; }

    public Option<string[]> Threshold { get; }

    public Option<bool?> Abort { get; }

    public Option<string?> Output { get; }

    public Option<string?> Interval { get; }

    public Option<string?> TimeLimit { get; }

    public Option<string?> RequestTimeout { get; }

    public Option<string?> DrainTimeout { get; }

    public Option<bool> NoRestart { get; }

    public Option<bool> Dashboard { get; }

    public Option<int?> MetricsPort { get; }

    public Option<string?> MetricsHost { get; }

    public Option<string?> Segment { get; }

    public Option<string?> StartAt { get; }

    public Option<string?> RunId { get; }

    public Option<bool> Plain { get; }

    public Argument<string[]> MergeFolders { get; }

    public Option<string?> MergeOutput { get; }

    public Option<string[]> MergeThreshold { get; }

    public Command Merge { get; }

    public RootCommand Root { get; }

    public Argument<string> Baseline { get; }

    public Argument<string> Candidate { get; }

    public Option<string?> CompareOutput { get; }

    public Command Compare { get; }

    public Argument<string> RunFolder { get; }

    public Command Render { get; }

    /// <summary>The run options given on the command line, in the scenarios file's shape (so the two merge).</summary>
    public ScenarioFile ToScenarioFile(ParseResult parse) => new()
    {
        Suite = parse.GetValue(Suite),
        Profile = parse.GetValue(Profile),
        Target = parse.GetValue(Target),
        Scrape = NullIfEmpty(parse.GetValue(Scrape)),
        Scenario = NullIfEmpty(parse.GetValue(Scenario)),
        Model = parse.GetValue(Model),
        Users = parse.GetValue(Users),
        Rate = parse.GetValue(Rate),
        N = parse.GetValue(N),
        DelayMs = parse.GetValue(Delay),
        WarmUp = parse.GetValue(WarmUp),
        Ramp = parse.GetValue(Ramp),
        Hold = parse.GetValue(Hold),
        Steps = parse.GetValue(Steps) is { Length: > 0 } s ? [.. s] : null,
        StepDuration = parse.GetValue(StepDuration),
        Thresholds = NullIfEmpty(parse.GetValue(Threshold)),
        AbortOnThreshold = parse.GetValue(Abort),
        Output = parse.GetValue(Output),
        Interval = parse.GetValue(Interval),
        TimeLimit = parse.GetValue(TimeLimit),
        RequestTimeout = parse.GetValue(RequestTimeout),
        DrainTimeout = parse.GetValue(DrainTimeout),
        FreshServices = parse.GetValue(NoRestart) ? false : null,
        Segment = parse.GetValue(Segment),
        StartAt = parse.GetValue(StartAt),
        RunId = parse.GetValue(RunId),
        Dashboard = parse.GetValue(Dashboard) ? true : null,
    };

    private static List<string>? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? [.. values] : null;
}
