using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Harness.Load;

/// <summary>
/// The small JSON path subset checks need: <c>$</c>, then <c>.name</c>, <c>['name']</c> and
/// <c>[index]</c> in any sequence, e.g. <c>$.items[0].id</c>. A path outside it is refused when
/// the check is made, before any request.
/// </summary>
public sealed partial class JsonPath
{
    private readonly object[] _segments;

    private JsonPath(string text, object[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    public static JsonPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith('$'))
        {
            throw new ConfigurationException($"JSON path '{text}' must start with '$', e.g. '$.id' or '$.items[0].id'.");
        }

        var segments = new List<object>();
        var at = 1;
        while (at < text.Length)
        {
            var match = Segment().Match(text, at);
            if (!match.Success || match.Index != at)
            {
                throw new ConfigurationException(
                    $"JSON path '{text}' is not understood at '{text[at..]}': write '$', then '.name', \"['name']\" or '[index]', e.g. '$.items[0].id'.");
            }

            segments.Add(match.Groups["index"].Success
                ? int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture)
                : match.Groups["name"].Success ? match.Groups["name"].Value : match.Groups["quoted"].Value);
            at += match.Length;
        }

        return new JsonPath(text, [.. segments]);
    }

    /// <summary>The element at this path, or null when the document has none there.</summary>
    public JsonElement? Find(JsonElement root)
    {
        var element = root;
        foreach (var segment in _segments)
        {
            switch (segment)
            {
                case string name when element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var child):
                    element = child;
                    break;
                case int index when element.ValueKind == JsonValueKind.Array && index < element.GetArrayLength():
                    element = element[index];
                    break;
                default:
                    return null;
            }
        }

        return element;
    }

    /// <summary>How an element compares with an expected text: a string by its value, anything else by its JSON (<c>42</c>, <c>true</c>, <c>null</c>).</summary>
    public static string TextOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();

    public override string ToString() => Text;

    [GeneratedRegex(@"\.(?<name>[A-Za-z0-9_\-]+)|\[(?<index>\d+)\]|\['(?<quoted>[^']*)'\]")]
    private static partial Regex Segment();
}
