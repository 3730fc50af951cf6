using System.Globalization;

namespace Harness.Load.Tests;

/// <summary>Each generator-health warning: given at its limit, not below it, and once per run however often the limit is broken.</summary>
public sealed class GeneratorMonitorTests
{
    private static readonly GeneratorSample Healthy = new() { T = 65, Cpu = 0.2, GcPauseFraction = 0.01, PoolThreads = 8, PoolQueue = 3 };

    public static TheoryData<string, string> Limits => new()
    {
        { "cpu", "of the machine's CPU: on a machine shared with the servers" },
        { "gc", "of its time paused for GC: latencies include its pauses" },
        { "queue", "1000 work items waited for the generator's thread pool" },
        { "lag", "requests left up to 20 ms late (p99)" },
        { "dropped", "arrivals were dropped at the in-flight cap" },
    };

    [Theory]
    [MemberData(nameof(Limits))]
    public void AtItsLimit_OneWarningIsGiven_OnceARun_SayingWhenAndWhat(string kind, string says)
    {
        var monitor = new GeneratorMonitor();

        var (sample, lag, dropped) = AtLimit(kind);
        var first = monitor.Check(sample, lag, dropped).ToList();
        var again = monitor.Check(sample, lag, dropped).ToList();

        var warning = Assert.Single(first);
        Assert.Contains(says, warning, StringComparison.Ordinal);
        Assert.StartsWith("At 01:05 ", warning, StringComparison.Ordinal);
        Assert.Empty(again);
        Assert.Equal([warning], monitor.Warnings);
    }

    [Theory]
    [MemberData(nameof(Limits))]
    public void JustBelowItsLimit_NoWarning(string kind, string says)
    {
        var monitor = new GeneratorMonitor();
        var (sample, lag, dropped) = AtLimit(kind);
        var (belowSample, belowLag, belowDropped) = JustBelow(kind);

        Assert.Empty(monitor.Check(belowSample, belowLag, belowDropped));
        Assert.Contains(says, Assert.Single(monitor.Check(sample, lag, dropped)), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryLimitBrokenAtOnce_GivesFiveWarnings()
    {
        var monitor = new GeneratorMonitor();
        var sample = With(s =>
        {
            s.Cpu = 0.9;
            s.GcPauseFraction = 0.3;
            s.PoolQueue = 5000;
        });

        Assert.Equal(5, monitor.Check(sample, worstLagP99Ms: 250, dropped: 7).Count());
    }

    [Fact]
    public void Warnings_SayTheirPercentagesTheSame_WhateverTheMachinesCulture()
    {
        // A culture that writes percentages as "50 %" and decimals with a comma (a clone: the tests run with invariant globalization).
        var spaced = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        spaced.NumberFormat.PercentPositivePattern = 0;
        spaced.NumberFormat.NumberDecimalSeparator = ",";
        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = spaced;
        try
        {
            var warnings = new GeneratorMonitor().Check(With(s => { s.Cpu = 0.93; s.GcPauseFraction = 0.25; }), worstLagP99Ms: 0, dropped: 0).ToList();

            Assert.Contains(warnings, w => w.Contains("used 93% of the machine's CPU", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.Contains("spent 25% of its time paused for GC", StringComparison.Ordinal));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    private static (GeneratorSample Sample, double Lag, long Dropped) AtLimit(string kind) => kind switch
    {
        "cpu" => (With(s => s.Cpu = GeneratorMonitor.CpuWarning), 0, 0),
        "gc" => (With(s => s.GcPauseFraction = GeneratorMonitor.GcWarning), 0, 0),
        "queue" => (With(s => s.PoolQueue = GeneratorMonitor.QueueWarning), 0, 0),
        "lag" => (Healthy, GeneratorMonitor.LagWarningMs, 0),
        "dropped" => (Healthy, 0, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static (GeneratorSample Sample, double Lag, long Dropped) JustBelow(string kind) => kind switch
    {
        "cpu" => (With(s => s.Cpu = GeneratorMonitor.CpuWarning - 0.01), 0, 0),
        "gc" => (With(s => s.GcPauseFraction = GeneratorMonitor.GcWarning - 0.001), 0, 0),
        "queue" => (With(s => s.PoolQueue = GeneratorMonitor.QueueWarning - 1), 0, 0),
        "lag" => (Healthy, GeneratorMonitor.LagWarningMs - 0.1, 0),
        "dropped" => (Healthy, 0, 0),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static GeneratorSample With(Action<GeneratorSample> change)
    {
        var sample = new GeneratorSample { T = Healthy.T, Cpu = Healthy.Cpu, GcPauseFraction = Healthy.GcPauseFraction, PoolThreads = Healthy.PoolThreads, PoolQueue = Healthy.PoolQueue };
        change(sample);
        return sample;
    }
}
