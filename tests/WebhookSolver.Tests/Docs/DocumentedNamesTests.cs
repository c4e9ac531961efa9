using System.Text.RegularExpressions;
using k8s.Models;
using WebhookSolver.Testing;
using WebhookSolver.Tests.Charts;

namespace WebhookSolver.Tests.Docs;

/// <summary>
/// The names the operator's pages give the webhook's ServiceAccount, Deployment and RBAC objects are the ones the
/// chart renders for the README's install command and values.yaml, so that an IRSA trust policy, a Pod Identity
/// association or a kubectl command copied from the docs names an object that exists.
/// </summary>
public sealed partial class DocumentedNamesTests
{
    private static readonly Lazy<(RenderedChart Chart, string Release, string Namespace)> Install = new(RenderReadmeInstall);

    private static string ServiceAccountName => Install.Value.Chart.Single<V1ServiceAccount>().Metadata.Name;

    private static string FullName => Install.Value.Chart.Single<V1Deployment>().Metadata.Name;

    [Fact]
    public void TheReadmeInstallIsReleaseRoute53WebhookInCertManagerAndItsServiceAccountIsTheOneTheReadmeNames()
    {
        var (_, release, @namespace) = Install.Value;
        var readme = File.ReadAllText(TestData.RepositoryFile("README.md"));

        release.Should().Be("route53-webhook");
        @namespace.Should().Be("cert-manager");
        ServiceAccountName.Should().Be("route53-webhook-cert-manager-webhook-route53");
        readme.Should().Contain($"system:serviceaccount:{@namespace}:{ServiceAccountName}");
        Install.Value.Chart.Single<V1Deployment>().Spec.Template.Spec.ServiceAccountName.Should().Be(ServiceAccountName);
    }

    [Fact]
    public void EveryServiceAccountOfTheReleaseNamespaceNamedInTheDocsIsTheWebhooksOrCertManagers()
    {
        var @namespace = Install.Value.Namespace;
        var named = new List<string>();
        foreach (var (page, text) in Pages())
        {
            foreach (Match match in ServiceAccountUser().Matches(text))
            {
                if (match.Groups["namespace"].Value == @namespace)
                {
                    named.Add(match.Groups["name"].Value);
                    match.Groups["name"].Value.Should().BeOneOf(
                        [ServiceAccountName, "cert-manager"], $"{page} names a ServiceAccount of {@namespace}: {match.Value}");
                }
            }

            foreach (Match match in ServiceAccountFlag().Matches(text))
            {
                named.Add(match.Groups["name"].Value);
                match.Groups["name"].Value.Should().Be(ServiceAccountName, $"{page}: {match.Value} names the webhook's ServiceAccount");
            }
        }

        named.Where(name => name == ServiceAccountName).Should()
            .HaveCountGreaterThan(3, "the IRSA trust, the Pod Identity association and the RBAC commands name it");
    }

    [Fact]
    public void EveryObjectNameOfTheReleaseInTheDocsIsTheRenderedFullName()
    {
        var names = Install.Value.Chart.Objects.Select(o => RenderedChart.MetadataOf(o).Name).ToHashSet(StringComparer.Ordinal);
        var found = 0;
        foreach (var (page, text) in Pages())
        {
            foreach (Match match in ReleaseObject().Matches(text))
            {
                found++;
                var name = match.Groups["name"].Value;
                name.Should().Be(FullName, $"{page} names {match.Value}, an object of the documented install");
                if (match.Groups["kind"].Success)
                {
                    names.Should().Contain(name, $"{page} names the Deployment {name}");
                }
            }
        }

        found.Should().BeGreaterThan(3);
        names.Should().Contain($"{FullName}:webhook-authentication-reader", "docs/security.md names that RoleBinding");
    }

    [Fact]
    public void TheReadmeValuesGrantTheWebhooksServiceAccountTheSecretAndTheTokensOfTeamA()
    {
        var bindings = Install.Value.Chart.All<V1RoleBinding>().Where(b => b.Metadata.NamespaceProperty == "team-a").ToList();
        var roles = Install.Value.Chart.All<V1Role>().Where(r => r.Metadata.NamespaceProperty == "team-a").ToList();

        bindings.Should().HaveCount(2).And.OnlyContain(
            b => b.Subjects.Single().Name == ServiceAccountName && b.Subjects.Single().NamespaceProperty == Install.Value.Namespace);
        roles.SelectMany(r => r.Rules).Should()
            .Contain(rule => rule.Resources.Contains("secrets") && rule.ResourceNames != null && rule.ResourceNames.Contains("route53-credentials"))
            .And.Contain(rule => rule.Resources.Contains("serviceaccounts/token") && rule.ResourceNames != null && rule.ResourceNames.Contains("route53-dns"));
    }

    [Fact]
    public void NoPageCreatesASecondWebhookServiceAccountOrHandWrittenRbac()
    {
        foreach (var (page, text) in Pages())
        {
            foreach (var block in YamlBlocks(text))
            {
                foreach (var document in block.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
                {
                    document.Should().NotMatchRegex(
                        @"(?m)^\s*kind:\s*(Role|RoleBinding|ClusterRole|ClusterRoleBinding)\s*$",
                        $"{page}: the chart's rbac.secrets / rbac.serviceAccountTokens values grant access");
                    if (KindServiceAccount().IsMatch(document))
                    {
                        document.Should().NotContain($"namespace: {Install.Value.Namespace}", $"{page}: the chart creates the webhook's ServiceAccount");
                    }
                }
            }
        }
    }

    private static (RenderedChart, string, string) RenderReadmeInstall()
    {
        var readme = File.ReadAllText(TestData.RepositoryFile("README.md")).ReplaceLineEndings("\n");
        var command = ShellBlocks(readme).Single(block => block.Contains("helm upgrade --install route53-webhook", StringComparison.Ordinal));
        var words = command.Split('\n').TakeWhile(line => !line.TrimStart().StartsWith("kubectl", StringComparison.Ordinal))
            .Select(line => line.Split('#')[0].TrimEnd().TrimEnd('\\'))
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .SkipWhile(word => word != "--install").Skip(1).ToList();
        var release = words[0];
        words[1].Should().Be("./charts/cert-manager-webhook-route53");
        var @namespace = words[words.IndexOf("--namespace") + 1];
        var sets = words.Select((word, i) => (word, i)).Where(x => x.word == "--set").SelectMany(x => new[] { "--set", words[x.i + 1] }).ToArray();
        words.Should().Contain("-f").And.Contain("values.yaml");

        var valuesStart = readme.IndexOf("Write a `values.yaml`", StringComparison.Ordinal);
        valuesStart.Should().BeGreaterThan(0, "the README shows the values.yaml of its install");
        var values = YamlBlocks(readme[valuesStart..]).First();
        var lines = values.Split('\n');
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        var yaml = string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));

        return (RenderedChart.Render(release, @namespace, yaml, sets), release, @namespace);
    }

    private static IEnumerable<(string Page, string Text)> Pages()
    {
        yield return ("README.md", File.ReadAllText(TestData.RepositoryFile("README.md")));
        foreach (var page in Directory.GetFiles(TestData.RepositoryFile("docs"), "*.md").Order(StringComparer.Ordinal))
        {
            yield return (Path.GetRelativePath(TestData.RepositoryRoot, page), File.ReadAllText(page));
        }
    }

    private static IEnumerable<string> YamlBlocks(string markdown) => Fenced(markdown, "yaml");

    private static IEnumerable<string> ShellBlocks(string markdown) => Fenced(markdown, "sh");

    private static IEnumerable<string> Fenced(string markdown, string language) =>
        FencedBlock().Matches(markdown.ReplaceLineEndings("\n")).Where(m => m.Groups["language"].Value == language).Select(m => m.Groups["body"].Value);

    [GeneratedRegex(@"(?m)^[ \t]*```(?<language>[a-z]*)\n(?<body>.*?)\n[ \t]*```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"system:serviceaccount:(?<namespace>[a-z0-9-]+):(?<name>[a-z0-9][a-z0-9.-]*[a-z0-9])")]
    private static partial Regex ServiceAccountUser();

    [GeneratedRegex(@"--service-?account[ =](?:[a-z0-9-]+:)?(?<name>[a-z0-9][a-z0-9.-]*[a-z0-9])")]
    private static partial Regex ServiceAccountFlag();

    [GeneratedRegex(@"(?<kind>deploy/)?(?<name>[a-z0-9][a-z0-9-]*-cert-manager-webhook-route53)")]
    private static partial Regex ReleaseObject();

    [GeneratedRegex(@"(?m)^\s*kind:\s*ServiceAccount\s*$")]
    private static partial Regex KindServiceAccount();
}
