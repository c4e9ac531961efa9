using WebhookSolver.Hosting;

namespace WebhookSolver.Tests.Hosting;

public class CommandLineTests
{
    [Fact]
    public void FlagsBecomeConfigurationKeysInBothSpellings()
    {
        var result = CommandLine.Parse(["--secure-port=9443", "--group-name", "acme.corp.example", "--local"]);

        result.Error.Should().BeNull();
        result.Settings.Should().Contain("Webhook:SecurePort", "9443")
            .And.Contain("Webhook:GroupName", "acme.corp.example")
            .And.Contain("Webhook:Local", "true");
    }

    [Theory]
    [InlineData("--no-such-flag", "--no-such-flag")]
    [InlineData("--secure-port=abc", "--secure-port")]
    [InlineData("--challenge-timeout=soon", "--challenge-timeout")]
    [InlineData("--local=maybe", "--local")]
    public void BadFlagsAreNamedInTheError(string arg, string flag)
    {
        CommandLine.Parse([arg]).Error.Should().Contain(flag);
    }

    [Fact]
    public void GoDurationsAreAccepted()
    {
        CommandLine.Parse(["--challenge-timeout=1500ms"]).Settings["Webhook:ChallengeTimeout"].Should().Be("00:00:01.5000000");
    }

    [Fact]
    public void HelpListsEveryFlagWithItsDefault()
    {
        var usage = CommandLine.Usage();
        foreach (var flag in CommandLine.Flags)
        {
            usage.Should().Contain("--" + flag.Name);
        }

        usage.Should().Contain("(default: 8443)").And.Contain("(default: route53)");
    }

    [Fact]
    public void DurationDefaultsAreWrittenAsFlagsAndReadBackAsTheOptionsValues()
    {
        var flags = CommandLine.Flags.ToDictionary(flag => flag.Name);
        var expected = new Dictionary<string, TimeSpan>
        {
            ["challenge-timeout"] = new WebhookOptions().ChallengeTimeout,
            ["certificate-reload-interval"] = new WebhookOptions().CertificateReloadInterval,
            ["authorization-cache-ttl"] = new WebhookSolver.Security.WebhookSecurityOptions().AuthorizationCacheTtl,
            ["route53-wait-for-insync"] = new WebhookSolver.Route53.Route53Options().WaitForInsync,
            ["route53-batch-window"] = new WebhookSolver.Route53.Route53Options().BatchWindow,
        };

        flags["challenge-timeout"].Default.Should().Be("25s");
        flags["route53-batch-window"].Default.Should().Be("200ms");
        foreach (var (name, value) in expected)
        {
            var flag = flags[name];
            var parsed = CommandLine.Parse([$"--{name}={flag.Default}"]);
            parsed.Error.Should().BeNull();
            TimeSpan.Parse(parsed.Settings[flag.ConfigKey]!, System.Globalization.CultureInfo.InvariantCulture).Should().Be(value, name);
        }
    }
}
