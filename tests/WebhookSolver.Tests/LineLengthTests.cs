using System.Text.RegularExpressions;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests;

/// <summary>
/// No C# line in src/, tests/ or bench/ is longer than <c>.editorconfig</c>'s <c>max_line_length</c>: the compiler
/// does not enforce that setting, so this test does.
/// </summary>
public sealed partial class LineLengthTests
{
    private static readonly string[] Folders = ["src", "tests", "bench"];

    [Fact]
    public void NoSourceLineIsLongerThanTheEditorConfigLimit()
    {
        var limit = MaxLineLength();
        var files = Folders
            .SelectMany(folder => Directory.EnumerateFiles(TestData.RepositoryFile(folder), "*.cs", SearchOption.AllDirectories))
            .Select(path => Path.GetRelativePath(TestData.RepositoryRoot, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(part => part is "bin" or "obj"))
            .ToList();

        files.Should().HaveCountGreaterThan(100, "the scan must see the repository's C# files");
        files.SelectMany(path => File.ReadLines(TestData.RepositoryFile(path))
                .Select((line, index) => (Line: line, Number: index + 1))
                .Where(found => found.Line.Length > limit)
                .Select(found => $"{path}:{found.Number} has {found.Line.Length} characters"))
            .Should().BeEmpty($"lines are at most {limit} characters (.editorconfig max_line_length)");
    }

    private static int MaxLineLength()
    {
        var match = MaxLineLengthSetting().Match(File.ReadAllText(TestData.RepositoryFile(".editorconfig")));
        match.Success.Should().BeTrue(".editorconfig sets max_line_length");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^\s*max_line_length\s*=\s*(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex MaxLineLengthSetting();
}
