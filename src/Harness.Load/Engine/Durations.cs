using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Load;

/// <summary>Durations as people write them: <c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c>, or <c>00:00:10</c>.</summary>
public static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var match = Pattern().Match(text.Trim());
        if (match.Success)
        {
            var number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            var seconds = match.Groups["u"].Value switch
            {
                "us" or "µs" => number / 1e6,
                "ms" => number / 1e3,
                "s" or "" => number,
                "m" or "min" => number * 60,
                "h" => number * 3600,
                _ => double.NaN,
            };
            if (double.IsNaN(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
            {
                return false;
            }

            value = TimeSpan.FromSeconds(seconds);
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    public static TimeSpan Parse(string text, string setting) =>
        TryParse(text, out var value)
            ? value
            : throw new ConfigurationException($"{setting}: '{text}' is not a duration; write e.g. 500ms, 10s, 2m or 00:01:30.");

    /// <summary>A duration as people write it, the same whatever the machine's culture: <c>1.5s</c>, never <c>1,5s</c>.</summary>
    public static string Format(TimeSpan value) => value.TotalSeconds switch
    {
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.#}ms"),
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.##}s"),
        < 3600 when value.Seconds == 0 => string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMinutes}m"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMinutes}m{value.Seconds}s"),
        _ => value.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)\s*(?<u>us|µs|ms|s|min|m|h)?$")]
    private static partial Regex Pattern();
}

/// <summary>A setting or scenario file the run cannot start with; the message says what to change.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
