using HdrHistogram;
using HdrHistogram.Utilities;

namespace Harness.Load;

/// <summary>HDR histograms in the standard compressed encoding, as base64 (what HdrHistogram's log format holds).</summary>
public static class HistogramCodec
{
    /// <summary>Latencies are recorded in microseconds, from 1 µs to 1 hour, to 3 significant digits.</summary>
    public const long HighestMicros = 3_600_000_000;

    /// <summary>An empty histogram of the engine's range and precision, to add decoded interval histograms into.</summary>
    public static HistogramBase NewHistogram() => new LongHistogram(HighestMicros, 3);

    /// <summary>The encoded histograms added into one (empty ones, as an interval with no answers has, skipped).</summary>
    public static HistogramBase Sum(IEnumerable<string?> encoded)
    {
        var sum = NewHistogram();
        foreach (var text in encoded)
        {
            if (!string.IsNullOrEmpty(text))
            {
                sum.Add(Decode(text));
            }
        }

        return sum;
    }

    public static string Encode(HistogramBase histogram)
    {
        var buffer = ByteBuffer.Allocate(histogram.GetNeededByteBufferCapacity());
        var length = HistogramEncoding.EncodeIntoCompressedByteBuffer(histogram, buffer);
        var bytes = new byte[length];
        buffer.Position = 0;
        for (int i = 0; i < length; i++)
        {
            bytes[i] = buffer.Get();
        }

        return Convert.ToBase64String(bytes);
    }

    public static HistogramBase Decode(string base64)
    {
        var buffer = ByteBuffer.Allocate(Convert.FromBase64String(base64));
        return HistogramEncoding.DecodeFromCompressedByteBuffer(buffer, 0);
    }
}
