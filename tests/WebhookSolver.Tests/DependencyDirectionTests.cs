using System.Text.RegularExpressions;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests;

/// <summary>
/// The folders of src/WebhookSolver are its namespaces, and their references point one way: Hosting composes every
/// feature, no feature reaches back into Hosting, and no two folders reach each other, directly or round a loop.
/// </summary>
public partial class DependencyDirectionTests
{
    private const string Composition = "Hosting";
    private const string Root = "";

    private static readonly string SourceRoot = TestData.RepositoryFile(Path.Combine("src", "WebhookSolver"));

    [Fact]
    public void EveryFileDeclaresTheNamespaceOfItsFolder()
    {
        var wrong = SourceFiles()
            .Where(file => file.Folder != Root || Path.GetFileName(file.Path) != "Program.cs")
            .Select(file => (file.Path, Expected: file.Folder == Root ? "WebhookSolver" : $"WebhookSolver.{file.Folder}",
                Declared: NamespaceDeclaration().Match(file.Text) is { Success: true } match ? match.Groups[1].Value : "(none)"))
            .Where(file => file.Declared != file.Expected)
            .Select(file => $"{Path.GetRelativePath(SourceRoot, file.Path)} declares {file.Declared}, expected {file.Expected}");

        wrong.Should().BeEmpty();
    }

    [Fact]
    public void NoFeatureReferencesHosting()
    {
        Violations(Graph()).Should().BeEmpty();
    }

    [Fact]
    public void TheFolderGraphHasNoCycle()
    {
        Cycle(Graph()).Should().BeNull();
    }

    [Fact]
    public void TheGraphSeesUsingsQualifiedNamesAndCrefs()
    {
        var edges = References("Kubernetes", """
            using WebhookSolver.Challenges;
            namespace WebhookSolver.Kubernetes;
            /// <see cref="WebhookSolver.Security.SecurityExtensions"/>
            internal sealed class A { private readonly global::WebhookSolver.Route53.Route53Client? _c; private Hosting.WebhookOptions? _o; }
            """);

        edges.Should().BeEquivalentTo(["Challenges", "Security", "Route53", "Hosting"]);
    }

    [Fact]
    public void AFeatureImportingHostingIsAViolation()
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
        {
            [Composition] = ["Challenges"],
            ["Challenges"] = [Composition],
        };

        Violations(graph).Should().ContainSingle().Which.Should().Contain("Challenges");
        Violations(new Dictionary<string, HashSet<string>>(StringComparer.Ordinal) { [Root] = ["Route53"] })
            .Should().ContainSingle().Which.Should().Contain("root namespace");
        Violations(new Dictionary<string, HashSet<string>>(StringComparer.Ordinal) { [Composition] = ["Route53"], ["Route53"] = ["Credentials"] })
            .Should().BeEmpty();
    }

    [Fact]
    public void ALoopBetweenFeaturesIsFound()
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
        {
            ["Solver"] = ["Credentials"],
            ["Credentials"] = ["Kubernetes"],
            ["Kubernetes"] = ["Solver"],
            ["Route53"] = ["Credentials"],
        };

        Cycle(graph).Should().NotBeNull().And.ContainAll("Solver", "Credentials", "Kubernetes");
        Cycle(new Dictionary<string, HashSet<string>>(StringComparer.Ordinal) { ["Solver"] = ["Credentials"], ["Credentials"] = [] })
            .Should().BeNull();
    }

    private sealed record SourceFile(string Path, string Folder, string Text);

    private static IEnumerable<SourceFile> SourceFiles() =>
        Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .Select(path => new SourceFile(path, FolderOf(path), File.ReadAllText(path)));

    private static bool IsBuildOutput(string path)
    {
        var first = Path.GetRelativePath(SourceRoot, path).Split(Path.DirectorySeparatorChar)[0];
        return first is "bin" or "obj";
    }

    private static string FolderOf(string path)
    {
        var parts = Path.GetRelativePath(SourceRoot, path).Split(Path.DirectorySeparatorChar);
        return parts.Length == 1 ? Root : parts[0];
    }

    private static Dictionary<string, HashSet<string>> Graph()
    {
        var files = SourceFiles().ToList();
        var folders = files.Select(file => file.Folder).Where(folder => folder != Root).ToHashSet(StringComparer.Ordinal);
        folders.Should().Contain([Composition, "Challenges", "Solver", "Credentials", "Route53", "Kubernetes", "Security"]);

        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            // Program.cs is the entry point: it sits above Hosting and names every feature.
            var from = file.Folder == Root && Path.GetFileName(file.Path) == "Program.cs" ? "Program" : file.Folder;
            var edges = graph.TryGetValue(from, out var known) ? known : graph[from] = [];
            edges.UnionWith(References(file.Folder, file.Text).Where(to => to != from && (folders.Contains(to) || to == Composition)));
        }

        return graph;
    }

    /// <summary>
    /// The folders a file names: <c>using WebhookSolver.X</c>, <c>WebhookSolver.X.</c> anywhere (crefs too), and
    /// <c>Hosting.</c> relative to the file's namespace.
    /// </summary>
    private static HashSet<string> References(string folder, string text)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in QualifiedName().Matches(NamespaceDeclaration().Replace(text, "")))
        {
            found.Add(match.Groups[1].Value);
        }

        if (RelativeHosting().IsMatch(text))
        {
            found.Add(Composition);
        }

        found.Remove(folder);
        return found;
    }

    private static List<string> Violations(Dictionary<string, HashSet<string>> graph) =>
        graph.Where(node => node.Key is not Composition and not "Program" and not Root && node.Value.Contains(Composition))
            .Select(node => $"{node.Key} references {Composition}; features never import the composition root")
            .Concat(graph.Where(node => node.Key == Root && node.Value.Count > 0)
                .Select(node => $"the root namespace references {string.Join(", ", node.Value.Order(StringComparer.Ordinal))}; "
                    + "it holds only what every folder may use"))
            .ToList();

    /// <summary>A loop as "A → B → … → A", or null when the graph is acyclic.</summary>
    private static string? Cycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();

        string? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.TryGetValue(node, out var edges) ? edges.Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return string.Join(" → ", path.Skip(path.IndexOf(next)).Append(next));
                }

                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } loop)
                {
                    return loop;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }

        return graph.Keys.Order(StringComparer.Ordinal)
            .Where(node => state.GetValueOrDefault(node) == 0)
            .Select(Visit)
            .FirstOrDefault(loop => loop is not null);
    }

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\bWebhookSolver\.([A-Z]\w*)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"(?<![\w.])Hosting\.[A-Z]")]
    private static partial Regex RelativeHosting();
}
