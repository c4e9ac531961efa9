using WebhookSolver.Hosting;

namespace WebhookSolver.Tests.Hosting;

public class ReadmeTests
{
    internal static string RepositoryFile(string relativePath)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WebhookSolver.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("repository root not found"), relativePath);
    }

    [Fact]
    public void TheReadmeFlagTableDocumentsEveryFlag()
    {
        var readme = File.ReadAllText(RepositoryFile("README.md"));

        foreach (var flag in CommandLine.Flags)
        {
            readme.Should().Contain($"| `--{flag.Name}` |", $"--{flag.Name} is a flag of the server");
        }
    }

    [Fact]
    public void TheReadmeCurlPayloadExists()
    {
        File.Exists(RepositoryFile("tests/WebhookSolver.Tests/testdata/payloads/present-ambient-with-typemeta.json")).Should().BeTrue();
    }
}
