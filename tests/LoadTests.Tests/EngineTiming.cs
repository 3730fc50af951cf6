namespace LoadTests.Tests;

/// <summary>Tests whose rates and wall-clock bounds would suffer from sharing the two cores with each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineTiming
{
    public const string Name = "Engine timing (runs alone)";
}
