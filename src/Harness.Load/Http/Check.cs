using System.Text;
using System.Text.Json;

namespace Harness.Load;

/// <summary>
/// A named condition on an HTTP answer (k6's and Gatling's checks): the status, a header, the
/// body containing a text, a JSON path equal to, not equal to or present. A request whose answer
/// fails a check fails with the error kind <c>check:&lt;name&gt;</c>, counted per name in every
/// report and readable by a threshold (<c>check:created &lt; 1%</c>). Expected values may hold
/// <c>{{field}}</c> placeholders, filled from the feed's current row.
/// </summary>
public sealed class Check
{
    private readonly Func<HttpResult, IReadOnlyDictionary<string, string>?, string?> _evaluate;

    private Check(string name, string description, bool needsBody, IReadOnlyList<string> fields, Func<HttpResult, IReadOnlyDictionary<string, string>?, string?> evaluate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Description = description;
        NeedsBody = needsBody;
        Fields = fields;
        _evaluate = evaluate;
    }

    public string Name { get; }

    /// <summary>The error kind a request failing this check is counted under.</summary>
    public string ErrorKind => "check:" + Name;

    public string Description { get; }

    /// <summary>Whether the answer's body must be kept in memory to evaluate this check.</summary>
    public bool NeedsBody { get; }

    /// <summary>Whether this check judges the status, replacing the default "2xx is success".</summary>
    public bool IsStatus { get; private init; }

    /// <summary>The feed fields the expected value reads.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Why the answer fails this check, or null when it passes.</summary>
    public string? Failure(HttpResult answer, IReadOnlyDictionary<string, string>? row = null) => _evaluate(answer, row);

    public static Check Status(string name, params int[] statuses)
    {
        if (statuses.Length == 0 || statuses.Any(s => s is < 100 or > 599))
        {
            throw new ConfigurationException($"check '{name}': give one or more HTTP statuses between 100 and 599.");
        }

        var set = statuses.ToHashSet();
        var expected = string.Join(" or ", statuses);
        return new Check(name, $"status {expected}", false, [], (answer, _) =>
            set.Contains(answer.StatusCode) ? null : $"status {answer.StatusCode}, expected {expected}")
        {
            IsStatus = true,
        };
    }

    /// <summary>The header is present and, when <paramref name="equals"/> is given, has exactly that value (several values joined by ", ").</summary>
    public static Check Header(string name, string header, string? equals = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(header);
        var expected = equals is null ? null : new Template(equals);
        return new Check(name, equals is null ? $"header {header} present" : $"header {header} = '{equals}'", false, expected?.Fields ?? [], (answer, row) =>
        {
            var actual = answer.Header(header);
            if (actual is null)
            {
                return $"no header {header}";
            }

            var value = expected?.Render(row);
            return value is null || actual == value ? null : $"header {header} is '{actual}', expected '{value}'";
        });
    }

    public static Check BodyContains(string name, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        var expected = new Template(text);
        return new Check(name, $"body contains '{text}'", true, expected.Fields, (answer, row) =>
        {
            var value = expected.Render(row);
            return Encoding.UTF8.GetString(answer.Body.Span).Contains(value, StringComparison.Ordinal) ? null : $"body does not contain '{value}'";
        });
    }

    /// <summary>Starts a check on the value at a JSON path (parsed now: a bad path fails here, before any request); finish it with <c>EqualTo</c>, <c>NotEqualTo</c> or <c>Exists</c>.</summary>
    public static JsonPathCheck JsonPath(string name, string path) => new(name, Load.JsonPath.Parse(path));

    /// <summary>A check on a JSON path waiting for its condition.</summary>
    public sealed class JsonPathCheck(string name, JsonPath path)
    {
        public Check Exists() => Make("exists", null, (found, _) => found is null ? $"{path} is missing" : null);

        /// <summary>The value equals <paramref name="expected"/>: a JSON string by its text, a number, boolean or null by its JSON (<c>"42"</c>, <c>"true"</c>).</summary>
        public Check EqualTo(string expected) => Make($"= '{expected}'", expected, (found, value) =>
            found is null ? $"{path} is missing, expected '{value}'"
            : Load.JsonPath.TextOf(found.Value) == value ? null
            : $"{path} is '{Load.JsonPath.TextOf(found.Value)}', expected '{value}'");

        public Check NotEqualTo(string unexpected) => Make($"≠ '{unexpected}'", unexpected, (found, value) =>
            found is not null && Load.JsonPath.TextOf(found.Value) == value ? $"{path} is '{value}'" : null);

        private Check Make(string condition, string? expected, Func<JsonElement?, string?, string?> judge)
        {
            var template = expected is null ? null : new Template(expected);
            return new Check(name, $"{path} {condition}", true, template?.Fields ?? [], (answer, row) =>
            {
                if (answer.Json() is not { } root)
                {
                    return "the body is not JSON";
                }

                return judge(path.Find(root), template?.Render(row));
            });
        }
    }

    public override string ToString() => $"{Name}: {Description}";
}
