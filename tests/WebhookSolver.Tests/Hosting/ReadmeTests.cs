using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using WebhookSolver.Hosting;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Hosting;

public class ReadmeTests
{
    [Fact]
    public void TheFlagsPageIsTheGeneratedFlagTable()
    {
        var page = File.ReadAllText(TestData.RepositoryFile("docs/flags.md")).ReplaceLineEndings("\n");

        page.Should().Be(FlagReference.Markdown(), $"docs/flags.md is generated from the flag table; regenerate it with `{FlagReference.RegenerateCommand}`");
    }

    [Fact]
    public void TheFlagsPageDocumentsEveryFlagWithItsConfigurationKey()
    {
        var page = FlagReference.Markdown();

        CommandLine.Flags.Should().NotBeEmpty();
        foreach (var flag in CommandLine.Flags)
        {
            page.Should().Contain($"| `--{flag.Name}` | `{flag.ConfigKey}` |", $"--{flag.Name} is a flag of the server");
        }
    }

    [Fact]
    public void TheReadmeIsAnOverviewOfAtMost15Kilobytes()
    {
        var bytes = File.ReadAllBytes(TestData.RepositoryFile("README.md")).Length;

        bytes.Should().BeLessThanOrEqualTo(15_000, "the README is the overview; topics live in docs/, bench/README.md and CONTRIBUTING.md");
    }

    [Fact]
    public void TheRepositoryLayoutNamesEverySourceFolderAndProject()
    {
        var readme = File.ReadAllText(TestData.RepositoryFile("CONTRIBUTING.md"));
        var start = readme.IndexOf("\n## Repository layout\n", StringComparison.Ordinal);
        start.Should().BeGreaterThan(0, "CONTRIBUTING.md has a Repository layout section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var layout = end < 0 ? readme[start..] : readme[start..end];
        var source = TestData.RepositoryFile(Path.Combine("src", "WebhookSolver"));
        var folders = Directory.GetDirectories(source).Select(Path.GetFileName).Where(name => name is not ("bin" or "obj")).ToList();

        folders.Should().NotBeEmpty();
        foreach (var folder in folders)
        {
            layout.Should().Contain($"\n  {folder}/ ", $"src/WebhookSolver/{folder} is a folder of the server");
        }

        foreach (var project in Directory.GetDirectories(TestData.RepositoryFile("tests")).Concat(Directory.GetDirectories(TestData.RepositoryFile("bench"))))
        {
            var name = Path.GetRelativePath(TestData.RepositoryRoot, project).Replace('\\', '/');
            layout.Should().Contain($"\n{name}/ ", $"{name} is a project of the repository");
        }
    }

    [Fact]
    public void TheMetricsPageDocumentsEveryInstrument()
    {
        var metricsSection = File.ReadAllText(TestData.RepositoryFile("docs/metrics.md"));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var names = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    names.Add(instrument.Name);
                }
            },
        };
        listener.Start();

        using var challenges = new WebhookSolver.Challenges.ChallengeMetrics(meters);
        using var route53 = new WebhookSolver.Route53.Route53Metrics(meters);
        using var credentials = new WebhookSolver.Credentials.CredentialMetrics(meters);
        using var replicas = new WebhookSolver.Kubernetes.ReplicaMetrics(meters);
        _ = new WebhookSolver.Security.SecurityMetrics(meters);

        names.Should().HaveCountGreaterThan(9).And.Contain("webhook_replicas_seen");
        foreach (var name in names)
        {
            metricsSection.Should().Contain($"| `{name}` |", $"{name} is exported at /metrics");
        }
    }

    [Fact]
    public void TheReadmeCurlPayloadExists()
    {
        File.Exists(TestData.RepositoryFile("tests/WebhookSolver.Tests/testdata/payloads/present-ambient-with-typemeta.json")).Should().BeTrue();
    }
}
