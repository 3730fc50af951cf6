using System.Text.RegularExpressions;
using Harness.Hosting;

namespace LoadTests.Tests;

/// <summary>
/// The README and docs/ link to each other and into the code: every relative link must lead to a
/// file that exists, and every #anchor to a heading of that page (as GitHub makes anchors).
/// </summary>
public sealed partial class DocsLinkTests
{
    private static string Repository => ServiceBinary.FindRepositoryRoot() ?? throw new InvalidOperationException("Harness.sln not found.");

    [Fact]
    public void EveryRelativeLinkInTheReadmeAndDocs_LeadsToAFileAndAnAnchorThatExist()
    {
        var pages = Directory.GetFiles(Path.Combine(Repository, "docs"), "*.md", SearchOption.AllDirectories)
            .Prepend(Path.Combine(Repository, "README.md"))
            .ToList();

        var checkedLinks = 0;
        var broken = new List<string>();
        foreach (var page in pages)
        {
            foreach (var problem in BrokenLinks(page, File.ReadAllText(page), ref checkedLinks))
            {
                broken.Add($"{Path.GetRelativePath(Repository, page)}: {problem}");
            }
        }

        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join('\n', broken));

        // The README links to every page of the manual, so this many links were really followed.
        Assert.True(checkedLinks >= 15, $"only {checkedLinks} relative links found: is the link pattern still right?");
    }

    /// <summary>Help texts and error messages send the user to a page of the docs: that page and its anchor must exist.</summary>
    [Fact]
    public void EveryDocsPageTheCodeMentions_Exists_WithItsAnchor()
    {
        var mentions = Directory.GetFiles(Path.Combine(Repository, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => DocsMention().Matches(File.ReadAllText(f)).Select(m => (File: f, Target: m.Value)))
            .ToList();

        var broken = new List<string>();
        foreach (var (file, target) in mentions)
        {
            var count = 0;
            var probe = $"[mention]({target[("docs/".Length)..]})";
            broken.AddRange(BrokenLinks(Path.Combine(Repository, "docs", "code.md"), probe, ref count).Select(p => $"{Path.GetRelativePath(Repository, file)}: {p}"));
        }

        Assert.True(broken.Count == 0, "Docs pages named in the code that do not exist:\n" + string.Join('\n', broken));
        Assert.True(mentions.Count >= 2, $"only {mentions.Count} mentions of docs/ pages found in src/: is the pattern still right?");
    }

    [Fact]
    public void TheLinkCheck_FindsAMissingFile_AMissingAnchor_AndIgnoresCode()
    {
        var page = Path.Combine(Repository, "docs", "probe.md");
        var text = """
            # A page

            ## Settings and limits

            [fine](#settings-and-limits) [gone](nothing-here.md) [no such heading](../README.md#no-such-heading)
            [fine too](../README.md#quick-start) ![image](images/report.png) [web](https://example.com/x.md)

            ```
            [inside a code block](missing-in-code.md)
            ```
            and `[inline code](missing-inline.md)`.
            """;

        var links = 0;
        var problems = BrokenLinks(page, text, ref links).ToList();

        Assert.Equal(5, links);
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("nothing-here.md", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("#no-such-heading", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("The full stack: docker compose", "the-full-stack-docker-compose")]
    [InlineData("5,000 concurrent connections", "5000-concurrent-connections")]
    [InlineData("The comparison (the README's table)", "the-comparison-the-readmes-table")]
    [InlineData("`Harness.Load`: the C# API", "harnessload-the-c-api")]
    public void Anchors_AreMadeAsGitHubMakesThem(string heading, string anchor) =>
        Assert.Equal(anchor, Anchor(heading));

    private static IEnumerable<string> BrokenLinks(string page, string text, ref int count)
    {
        var problems = new List<string>();
        var prose = CodeBlock().Replace(text, "");
        prose = InlineCode().Replace(prose, "");
        foreach (Match link in Link().Matches(prose))
        {
            var target = link.Groups["target"].Value;
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            count++;
            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var path = hash < 0 ? target : target[..hash];
            var anchor = hash < 0 ? null : target[(hash + 1)..];
            var file = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(path)));
            if (path.Length > 0 && !File.Exists(file) && !Directory.Exists(file))
            {
                problems.Add($"'{target}': {Path.GetRelativePath(Repository, file)} does not exist");
                continue;
            }

            if (anchor is not null)
            {
                var anchors = Headings(file == page ? text : File.ReadAllText(file));
                if (!anchors.Contains(anchor))
                {
                    problems.Add($"'{target}': no heading makes the anchor #{anchor} in {Path.GetRelativePath(Repository, file)}");
                }
            }
        }

        return problems;
    }

    private static HashSet<string> Headings(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(CodeBlock().Replace(markdown, "")))
        {
            var anchor = Anchor(heading.Groups["text"].Value);
            var n = seen.GetValueOrDefault(anchor);
            seen[anchor] = n + 1;
            anchors.Add(n == 0 ? anchor : $"{anchor}-{n}");
        }

        return anchors;
    }

    /// <summary>GitHub's rule: lower case, drop everything but letters, digits, '_', '-' and spaces, spaces to '-'.</summary>
    private static string Anchor(string heading) =>
        NotInAnchor().Replace(heading.Trim().ToLowerInvariant(), "").Replace(' ', '-');

    [GeneratedRegex(@"^(```|~~~).*?^\1", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"docs/[\w./-]+\.md(#[\w-]+)?")]
    private static partial Regex DocsMention();

    [GeneratedRegex(@"`[^`\n]+`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"!?\[[^\]\n]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{M}\p{N}\p{Pc} \-]")]
    private static partial Regex NotInAnchor();
}
