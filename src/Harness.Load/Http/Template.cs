using System.Text;
using System.Text.RegularExpressions;

namespace Harness.Load;

/// <summary>
/// Text with <c>{{field}}</c> placeholders filled from a feed's current row. Parsed once; text
/// without placeholders is returned as is, so a plain request costs no string building.
/// </summary>
public sealed partial class Template
{
    private readonly string[] _literals;
    private readonly string[] _fields;

    public Template(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
        var literals = new List<string>();
        var fields = new List<string>();
        var at = 0;
        foreach (Match match in Placeholder().Matches(text))
        {
            literals.Add(text[at..match.Index]);
            fields.Add(match.Groups["field"].Value);
            at = match.Index + match.Length;
        }

        literals.Add(text[at..]);
        _literals = [.. literals];
        _fields = [.. fields];
    }

    public string Text { get; }

    /// <summary>The fields this text reads, in order of appearance.</summary>
    public IReadOnlyList<string> Fields => _fields;

    public string Render(IReadOnlyDictionary<string, string>? row)
    {
        if (_fields.Length == 0)
        {
            return Text;
        }

        var text = new StringBuilder(_literals[0]);
        for (int i = 0; i < _fields.Length; i++)
        {
            if (row is null || !row.TryGetValue(_fields[i], out var value))
            {
                throw new ConfigurationException($"'{Text}' reads the field '{_fields[i]}', which the current row does not have.");
            }

            text.Append(value).Append(_literals[i + 1]);
        }

        return text.ToString();
    }

    public override string ToString() => Text;

    [GeneratedRegex(@"\{\{\s*(?<field>[^{}\s]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
