using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace TargetApp.Apis;

/// <summary>
/// Reads query parameters strictly and collects what is wrong, so a bad request gets one 400
/// naming every bad parameter, instead of the framework's bare 400 or an exception.
/// </summary>
internal sealed class QueryParameters(IQueryCollection query)
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    /// <summary>An integer in [min, max] written with ASCII digits only (no sign, spaces, decimals or other scripts' digits).</summary>
    public int Integer(string name, int min, int max, int fallback)
    {
        if (!TrySingle(name, out var raw))
        {
            return fallback;
        }

        if (raw is null)
        {
            return fallback;
        }

        if (raw.Length is > 0 and <= 10 && raw.All(char.IsAsciiDigit)
            && int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            && value >= min && value <= max)
        {
            return value;
        }

        Add(name, $"'{name}' must be a whole number from {min} to {max}; got '{Shorten(raw)}'.");
        return fallback;
    }

    /// <summary>A fraction from 0 to 1 written as ASCII digits with at most one '.', e.g. <c>0.25</c>.</summary>
    public double Fraction(string name, double fallback)
    {
        if (!TrySingle(name, out var raw) || raw is null)
        {
            return fallback;
        }

        if (raw.Length is > 0 and <= 12 && raw.All(c => char.IsAsciiDigit(c) || c == '.') && raw.Count(c => c == '.') <= 1
            && double.TryParse(raw, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
            && value is >= 0 and <= 1)
        {
            return value;
        }

        Add(name, $"'{name}' must be a number from 0 to 1 (e.g. 0.25); got '{Shorten(raw)}'.");
        return fallback;
    }

    /// <summary>One of <paramref name="allowed"/>, by name, ignoring case.</summary>
    public TEnum Choice<TEnum>(string name, TEnum fallback, IReadOnlyList<TEnum> allowed)
        where TEnum : struct, Enum
    {
        if (!TrySingle(name, out var raw) || raw is null)
        {
            return fallback;
        }

        foreach (var candidate in allowed)
        {
            if (string.Equals(candidate.ToString(), raw, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        Add(name, $"'{name}' must be one of {string.Join(", ", allowed.Select(a => a.ToString().ToLowerInvariant()))}; got '{Shorten(raw)}'.");
        return fallback;
    }

    public bool Has(string name) => query.ContainsKey(name);

    /// <summary>Marks a parameter as refused, with the reason.</summary>
    public void Reject(string name, string message) => Add(name, message);

    /// <summary>Free text up to <paramref name="maxLength"/> characters, without control characters.</summary>
    public string? Text(string name, int maxLength)
    {
        if (!TrySingle(name, out var raw) || raw is null)
        {
            return null;
        }

        if (raw.Length > maxLength)
        {
            Add(name, $"'{name}' may be at most {maxLength} characters; got {raw.Length}.");
            return null;
        }

        if (raw.Any(char.IsControl) || raw.Any(char.IsSurrogate) && !IsWellFormedUtf16(raw))
        {
            Add(name, $"'{name}' may not contain control characters or broken Unicode.");
            return null;
        }

        return raw;
    }

    public IDictionary<string, string[]> Errors => _errors;

    private bool TrySingle(string name, out string? value)
    {
        value = null;
        if (!query.TryGetValue(name, out StringValues values) || values.Count == 0)
        {
            return true;
        }

        if (values.Count > 1)
        {
            Add(name, $"'{name}' was given {values.Count} times; give it once.");
            return false;
        }

        value = values[0];
        return true;
    }

    private void Add(string name, string message) => _errors[name] = [message];

    private static string Shorten(string raw) => raw.Length <= 32 ? raw : raw[..32] + "…";

    private static bool IsWellFormedUtf16(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
