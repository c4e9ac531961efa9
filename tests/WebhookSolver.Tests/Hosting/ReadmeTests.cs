using WebhookSolver.Hosting;
using WebhookSolver.Tests.TestSupport;

namespace WebhookSolver.Tests.Hosting;

public class ReadmeTests
{
    [Fact]
    public void TheReadmeFlagTableDocumentsEveryFlag()
    {
        var readme = File.ReadAllText(TestData.RepositoryFile("README.md"));

        foreach (var flag in CommandLine.Flags)
        {
            readme.Should().Contain($"| `--{flag.Name}` |", $"--{flag.Name} is a flag of the server");
        }
    }

    [Fact]
    public void TheReadmeCurlPayloadExists()
    {
        File.Exists(TestData.RepositoryFile("tests/WebhookSolver.Tests/testdata/payloads/present-ambient-with-typemeta.json")).Should().BeTrue();
    }
}
