using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace WebhookSolver.Tests.Docs;

/// <summary>
/// Relative links of markdown files, resolved as GitHub resolves them: a path relative to the file (or to the
/// repository root when it starts with <c>/</c>) that must exist, and an anchor that must be the id GitHub gives
/// one of the target's headings.
/// </summary>
internal static partial class MarkdownLinks
{
    private static readonly string[] SkippedFolders = ["bin", "obj", ".git", "node_modules", "TestResults"];

    public sealed record Link(string File, int Line, string Target);

    public static IEnumerable<string> Files(string root) =>
        Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories)
            .Where(file => !Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
                .Any(part => SkippedFolders.Contains(part, StringComparer.Ordinal)))
            .Order(StringComparer.Ordinal);

    /// <summary>Links outside fenced code blocks and inline code: <c>[text](target)</c> and <c>[ref]: target</c>.</summary>
    public static IEnumerable<Link> Links(string file)
    {
        foreach (var (line, text) in ProseLines(File.ReadAllText(file)))
        {
            var prose = InlineCode().Replace(text, "");
            foreach (Match match in InlineLink().Matches(prose))
            {
                yield return new(file, line, match.Groups["target"].Value.Trim('<', '>'));
            }

            if (ReferenceDefinition().Match(prose) is { Success: true } definition)
            {
                yield return new(file, line, definition.Groups["target"].Value.Trim('<', '>'));
            }
        }
    }

    public static bool IsExternal(string target) =>
        target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when the link resolves; otherwise why it does not.</summary>
    public static string? Problem(string root, Link link)
    {
        var hash = link.Target.IndexOf('#', StringComparison.Ordinal);
        var path = Uri.UnescapeDataString(hash < 0 ? link.Target : link.Target[..hash]);
        var anchor = hash < 0 ? null : Uri.UnescapeDataString(link.Target[(hash + 1)..]);
        var target = path.Length == 0
            ? link.File
            : Path.GetFullPath(path.StartsWith('/') ? Path.Combine(root, path.TrimStart('/')) : Path.Combine(Path.GetDirectoryName(link.File)!, path));

        if (!File.Exists(target) && !Directory.Exists(target))
        {
            return $"{path} does not exist";
        }

        if (anchor is null)
        {
            return null;
        }

        if (!target.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || !File.Exists(target))
        {
            return $"#{anchor} points into {path}, which has no headings";
        }

        var anchors = Anchors(File.ReadAllText(target));
        return anchors.Contains(anchor) ? null : $"{Path.GetFileName(target)} has no heading with the id '{anchor}'";
    }

    /// <summary>The ids GitHub gives the headings of a markdown text (duplicates get -1, -2, ...), plus explicit HTML anchors.</summary>
    public static IReadOnlySet<string> Anchors(string markdown)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, text) in ProseLines(markdown))
        {
            if (Heading().Match(text) is { Success: true } heading)
            {
                var slug = Slug(heading.Groups["text"].Value);
                var count = seen.GetValueOrDefault(slug);
                seen[slug] = count + 1;
                ids.Add(count == 0 ? slug : $"{slug}-{count.ToString(CultureInfo.InvariantCulture)}");
            }

            foreach (Match html in HtmlAnchor().Matches(text))
            {
                ids.Add(html.Groups["id"].Value);
            }
        }

        return ids;
    }

    /// <summary>GitHub's heading id: link texts only, lower case, punctuation dropped except '-' and '_', spaces to '-'.</summary>
    public static string Slug(string heading)
    {
        var text = LinkInHeading().Replace(heading, "${text}").ToLowerInvariant();
        var slug = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c == ' ')
            {
                slug.Append('-');
            }
            else if (c is '-' or '_' || char.IsLetterOrDigit(c)
                || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                slug.Append(c);
            }
        }

        return slug.ToString();
    }

    /// <summary>Lines outside fenced code blocks, numbered from 1.</summary>
    private static IEnumerable<(int Line, string Text)> ProseLines(string markdown)
    {
        string? fence = null;
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            var marker = trimmed.StartsWith("```", StringComparison.Ordinal) ? "```" : trimmed.StartsWith("~~~", StringComparison.Ordinal) ? "~~~" : null;
            if (marker is not null && (fence is null || fence == marker))
            {
                fence = fence is null ? marker : null;
                continue;
            }

            if (fence is null)
            {
                yield return (i + 1, lines[i]);
            }
        }
    }

    [GeneratedRegex(@"`+[^`]*`+")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^\s{0,3}\[[^\]]+\]:\s*(?<target>\S+)")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"^\s{0,3}#{1,6}\s+(?<text>.*?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkInHeading();

    [GeneratedRegex(@"<a\s+(?:name|id)=""(?<id>[^""]+)""")]
    private static partial Regex HtmlAnchor();
}
