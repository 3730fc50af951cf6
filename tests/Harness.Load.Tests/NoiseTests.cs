namespace Harness.Load.Tests;

/// <summary>The pieces of the comparison's noise estimate: how far the intervals' correlation reaches, and the t quantile.</summary>
public sealed class NoiseTests
{
    [Fact]
    public void CorrelationReach_IsShortForIndependentIntervals_AndLongForADrift()
    {
        var random = new Random(3);
        var independent = Enumerable.Range(0, 60).Select(_ => random.NextDouble()).ToList();
        var offset = 0.0;
        var drift = Enumerable.Range(0, 60).Select(_ => offset = (0.95 * offset) + random.NextDouble() - 0.5).ToList();

        Assert.InRange(SteadyBlocks.CorrelationReach(independent), 1, 2);
        Assert.InRange(SteadyBlocks.CorrelationReach(drift), 5, 30);
    }

    [Fact]
    public void CorrelationReach_IgnoresNegativeCorrelation_WhichOnlyNarrowsTheNoise()
    {
        var alternating = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? 1.0 : -1.0).ToList();

        Assert.Equal(1, SteadyBlocks.CorrelationReach(alternating));
    }

    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(2.9, 4.303)]
    [InlineData(10, 2.228)]
    [InlineData(60, 2.0)]
    [InlineData(1000, 1.962)]
    public void StudentT975_IsTheTablesQuantile_RoundingTheDegreesDown(double degrees, double expected) =>
        Assert.Equal(expected, RunComparison.StudentT975(degrees), 2);

    [Fact]
    public void Noise_OfTwoRunsWithFewBlocks_IsWiderThanTwoStandardErrors()
    {
        var few = new Estimate(100, 1, 2);
        var many = new Estimate(100, 1, 40);

        Assert.True(RunComparison.Noise(few, few) > 2 * Math.Sqrt(2) * 1.3);
        Assert.InRange(RunComparison.Noise(many, many), 2 * Math.Sqrt(2) * 0.99, 2 * Math.Sqrt(2) * 1.05);
        Assert.True(double.IsNaN(RunComparison.Noise(new Estimate(100, double.NaN, 0), many)));
    }
}
