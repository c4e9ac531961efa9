using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Docs;

public sealed class MarkdownLinkTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("markdown-links-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void EveryRelativeLinkInTheRepositoryResolvesAnchorsIncluded()
    {
        var root = TestData.RepositoryRoot;
        var links = MarkdownLinks.Files(root).SelectMany(MarkdownLinks.Links).Where(link => !MarkdownLinks.IsExternal(link.Target)).ToList();

        links.Should().HaveCountGreaterThan(30, "the README and docs/ link to each other");
        links.Select(link => Path.GetRelativePath(root, link.File).Replace('\\', '/')).Should()
            .Contain(["README.md", "CONTRIBUTING.md", "docs/credentials.md"]);
        var broken = links
            .Select(link => (link, problem: MarkdownLinks.Problem(root, link)))
            .Where(x => x.problem is not null)
            .Select(x => $"{Path.GetRelativePath(root, x.link.File)}:{x.link.Line}: ({x.link.Target}) {x.problem}");
        broken.Should().BeEmpty();
    }

    [Fact]
    public void AMissingFileAMissingAnchorAndAnAnchorIntoANonMarkdownFileAreReported()
    {
        File.WriteAllText(Path.Combine(_scratch, "guide.md"), "# Guide\n\n## Moving an Issuer from the built-in `route53` solver\n\nText.\n");
        File.WriteAllText(Path.Combine(_scratch, "script.sh"), "echo\n");
        File.WriteAllText(Path.Combine(_scratch, "index.md"), """
            # Index

            [good](guide.md#moving-an-issuer-from-the-built-in-route53-solver) [self](#index) [file](script.sh)
            [gone](missing.md) [bad anchor](guide.md#moving) [into a script](script.sh#L1)

            ```md
            [inside a code block](nowhere.md) `[inline code](nowhere.md)`
            ```
            """);

        var problems = MarkdownLinks.Links(Path.Combine(_scratch, "index.md"))
            .ToDictionary(link => link.Target, link => MarkdownLinks.Problem(_scratch, link));

        problems.Keys.Should().BeEquivalentTo(
            "guide.md#moving-an-issuer-from-the-built-in-route53-solver", "#index", "script.sh", "missing.md", "guide.md#moving", "script.sh#L1");
        problems["guide.md#moving-an-issuer-from-the-built-in-route53-solver"].Should().BeNull();
        problems["#index"].Should().BeNull();
        problems["script.sh"].Should().BeNull();
        problems["missing.md"].Should().Contain("does not exist");
        problems["guide.md#moving"].Should().Contain("no heading with the id 'moving'");
        problems["script.sh#L1"].Should().Contain("has no headings");
    }

    [Theory]
    [InlineData("Installing in a cluster", "installing-in-a-cluster")]
    [InlineData("IRSA (IAM Roles for Service Accounts)", "irsa-iam-roles-for-service-accounts")]
    [InlineData("Moving an Issuer from the built-in route53 solver", "moving-an-issuer-from-the-built-in-route53-solver")]
    [InlineData("`--route53-burst` and [limits](x.md)", "--route53-burst-and-limits")]
    [InlineData("Installing with Helm → Least-privilege IAM policy", "installing-with-helm--least-privilege-iam-policy")]
    [InlineData("snake_case and 2.0", "snake_case-and-20")]
    public void HeadingIdsFollowGitHub(string heading, string id) => MarkdownLinks.Slug(heading).Should().Be(id);

    [Fact]
    public void RepeatedHeadingsGetNumberedIdsAndCodeBlocksHaveNoHeadings()
    {
        var anchors = MarkdownLinks.Anchors("# Notes\n\n## Example\n\n```yaml\n# values.yaml\n```\n\n## Example\n\n<a name=\"custom\"></a>\n");

        anchors.Should().BeEquivalentTo("notes", "example", "example-1", "custom");
    }
}
