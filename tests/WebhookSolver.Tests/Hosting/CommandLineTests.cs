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
}
