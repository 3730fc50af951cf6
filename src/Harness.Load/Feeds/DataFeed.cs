using System.Text;
using System.Text.Json;

namespace Harness.Load;

/// <summary>How a feed hands out its rows.</summary>
public enum FeedStrategy
{
    /// <summary>In order, shared by every user, starting over after the last row.</summary>
    Circular,

    /// <summary>Any row, drawn afresh for each request.</summary>
    Random,

    /// <summary>Each user keeps one row: user 1 the first, user 2 the second, … (wrapping around).</summary>
    Constant,

    /// <summary>Each row once, in order; when they run out, the scenario ends.</summary>
    Queue,
}

/// <summary>
/// Rows of named text fields for requests to read through <c>{{field}}</c> (NBomber's data
/// feeds, Gatling's feeders): from a CSV file with a header row, a JSON array of objects, or a
/// list in memory. Every row has every field; a feed is checked when it is made, before any load.
/// </summary>
public sealed class DataFeed
{
    private readonly IReadOnlyDictionary<string, string>[] _rows;
    private long _next = -1;

    private DataFeed(string name, IReadOnlyList<string> fields, IReadOnlyDictionary<string, string>[] rows, FeedStrategy strategy)
    {
        if (rows.Length == 0)
        {
            throw new ConfigurationException($"feed '{name}' has no rows.");
        }

        Name = name;
        Fields = fields;
        _rows = rows;
        Strategy = strategy;
    }

    public string Name { get; }

    public IReadOnlyList<string> Fields { get; }

    public FeedStrategy Strategy { get; }

    public int Count => _rows.Length;

    /// <summary>A feed over rows in memory; every row must have the same fields.</summary>
    public static DataFeed FromRows(string name, IEnumerable<IReadOnlyDictionary<string, string>> rows, FeedStrategy strategy = FeedStrategy.Circular)
    {
        var list = rows.ToArray();
        var fields = list.Length == 0 ? [] : list[0].Keys.ToList();
        for (int i = 1; i < list.Length; i++)
        {
            if (list[i].Count != fields.Count || fields.Any(f => !list[i].ContainsKey(f)))
            {
                throw new ConfigurationException($"feed '{name}', row {i + 1}: has fields {string.Join(", ", list[i].Keys)}, expected {string.Join(", ", fields)}.");
            }
        }

        return new DataFeed(name, fields, list, strategy);
    }

    /// <summary>A CSV file whose first row names the fields; fields may be quoted ("a, b" and "" for a quote).</summary>
    public static DataFeed FromCsv(string path, FeedStrategy strategy = FeedStrategy.Circular)
    {
        var lines = ReadLines(path).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0)
        {
            throw new ConfigurationException($"feed '{path}' is empty: its first row must name the fields.");
        }

        var header = SplitCsv(lines[0], path, 1);
        if (header.Any(string.IsNullOrWhiteSpace) || header.Distinct(StringComparer.Ordinal).Count() != header.Count)
        {
            throw new ConfigurationException($"feed '{path}': the header row must name every column once (got {lines[0]}).");
        }

        var rows = new List<IReadOnlyDictionary<string, string>>();
        for (int i = 1; i < lines.Count; i++)
        {
            var cells = SplitCsv(lines[i], path, i + 1);
            if (cells.Count != header.Count)
            {
                throw new ConfigurationException($"feed '{path}', line {i + 1}: {cells.Count} values for {header.Count} columns ({string.Join(", ", header)}).");
            }

            rows.Add(header.Zip(cells).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal));
        }

        return new DataFeed(path, header, [.. rows], strategy);
    }

    /// <summary>A JSON file holding an array of objects; strings are taken as they are, other values as their JSON.</summary>
    public static DataFeed FromJson(string path, FeedStrategy strategy = FeedStrategy.Circular)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(ReadAll(path));
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException($"feed '{path}' is not JSON: {ex.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Object))
            {
                throw new ConfigurationException($"feed '{path}' must be a JSON array of objects, e.g. [{{\"id\": \"1\"}}, {{\"id\": \"2\"}}].");
            }

            var rows = document.RootElement.EnumerateArray()
                .Select(row => (IReadOnlyDictionary<string, string>)row.EnumerateObject().ToDictionary(p => p.Name, p => JsonPath.TextOf(p.Value), StringComparer.Ordinal));
            var feed = FromRows(path, rows, strategy);
            return feed;
        }
    }

    /// <summary>A CSV (<c>.csv</c>) or JSON (<c>.json</c>) file, by its extension.</summary>
    public static DataFeed FromFile(string path, FeedStrategy strategy = FeedStrategy.Circular) =>
        System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" => FromCsv(path, strategy),
            ".json" => FromJson(path, strategy),
            var other => throw new ConfigurationException($"feed '{path}': a feed file is .csv (with a header row) or .json (an array of objects), not '{other}'."),
        };

    public static FeedStrategy ParseStrategy(string text) =>
        text.ToLowerInvariant() switch
        {
            "circular" => FeedStrategy.Circular,
            "random" => FeedStrategy.Random,
            "constant" => FeedStrategy.Constant,
            "queue" => FeedStrategy.Queue,
            _ => throw new ConfigurationException($"unknown strategy '{text}'. Use circular, random, constant or queue."),
        };

    /// <summary>
    /// The row for this invocation of <paramref name="context"/>'s user. A queue feed that has
    /// given every row ends the scenario: the runner stops it there with this feed's message.
    /// </summary>
    public IReadOnlyDictionary<string, string> Next(IScenarioContext context) => Strategy switch
    {
        FeedStrategy.Circular => _rows[(int)(Interlocked.Increment(ref _next) % _rows.Length)],
        FeedStrategy.Random => _rows[System.Random.Shared.Next(_rows.Length)],
        FeedStrategy.Constant => _rows[(context.UserNumber - 1) % _rows.Length],
        _ => Interlocked.Increment(ref _next) is var taken && taken < _rows.Length
            ? _rows[taken]
            : throw new FeedExhaustedException($"feed '{Name}' (queue) ran out after its {_rows.Length} rows; the scenario ends here"),
    };

    private static string ReadAll(string path) =>
        File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : throw new ConfigurationException($"feed file '{path}' does not exist.");

    private static IEnumerable<string> ReadLines(string path) =>
        ReadAll(path).Split('\n').Select(l => l.TrimEnd('\r'));

    private static List<string> SplitCsv(string line, string path, int lineNumber)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"' && cell.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        if (quoted)
        {
            throw new ConfigurationException($"feed '{path}', line {lineNumber}: a quote is not closed (quoted values cannot span lines).");
        }

        cells.Add(cell.ToString());
        return cells;
    }
}

/// <summary>Thrown by a queue feed that has no rows left; the scenario's runner ends the scenario with its message.</summary>
public sealed class FeedExhaustedException(string message) : Exception(message);
