using System.Globalization;

namespace Harness.Load;

/// <summary>
/// The <see cref="Index"/>-th of <see cref="Count"/> equal shares of a run's load, for running one
/// run from several generators (<c>--segment 2/3</c>). Shares are dealt out, never rounded: user
/// <c>k</c> and iteration <c>k</c> go to segment <c>k mod N</c>, and an open phase's arrival
/// <c>k</c> to the same, so the N segments' arrivals are exactly the one-generator schedule.
/// </summary>
public sealed record Segment(int Index, int Count)
{
    /// <summary>The whole load, on one generator.</summary>
    public static readonly Segment Whole = new(1, 1);

    public bool IsWhole => Count == 1;

    /// <summary>Reads <c>I/N</c> with 1 ≤ I ≤ N.</summary>
    public static Segment Parse(string text, string where = "--segment")
    {
        var parts = text.Trim().Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return Of(index, count, where);
        }

        throw new ConfigurationException($"{where}: '{text}' is not a segment; write I/N with 1 ≤ I ≤ N, e.g. 2/3 for the second of three generators.");
    }

    public static Segment Of(int index, int count, string where = "segment") =>
        count >= 1 && index >= 1 && index <= count
            ? new Segment(index, count)
            : throw new ConfigurationException($"{where}: {index}/{count} is not a segment; it needs 1 ≤ I ≤ N.");

    /// <summary>This segment's users of <paramref name="total"/>: those numbered k (from 0) with k mod N = I − 1.</summary>
    public int Users(int total) => (int)Share(total, Count);

    /// <summary>This segment's iterations of an iteration-bounded closed phase: dealt among the segments that have a user, so none is stranded.</summary>
    public long Iterations(long total, int copies)
    {
        var holders = Math.Min(Count, copies);
        return Index > holders ? 0 : Share(total, holders);
    }

    /// <summary>Whether arrival <paramref name="k"/> (from 1) of the one-generator schedule is this segment's.</summary>
    public bool Takes(long k) => (k - Index) % Count == 0;

    /// <summary>The first of the one-generator schedule's arrivals that is this segment's.</summary>
    public long FirstArrival => Index;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    private long Share(long total, int among) => total < Index ? 0 : ((total - Index) / among) + 1;
}
