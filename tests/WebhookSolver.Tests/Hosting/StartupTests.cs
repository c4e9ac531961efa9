using System.Net;
using WebhookSolver.Hosting;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Hosting;

public class StartupTests
{
    private static Task<int> RunAsync(params string[] args) => RunAsync(TextWriter.Null, args);

    private static Task<int> RunAsync(TextWriter errors, params string[] args) =>
        WebhookHost.RunAsync(args, builder => builder.AddWebhookHosting(), app => app.MapHealth(), errors);

    [Theory]
    [InlineData("--local", "--bind-address=0.0.0.0")]
    [InlineData("--local", "--bind-address=10.1.2.3")]
    [InlineData("--tls-cert-file=/tls/tls.crt", "--tls-private-key-file=/tls/tls.key")]
    [InlineData("--group-name=acme.example.com")]
    [InlineData("--local", "--group-name=Not_A_Group")]
    [InlineData("--local", "--secure-port=70000")]
    [InlineData("--local", "--log-format=xml")]
    [InlineData("--local", "--challenge-timeout=90s")]
    [InlineData("--no-such-flag")]
    public async Task InvalidSettingsStopTheProcessWithExitCode2(params string[] args)
    {
        (await RunAsync(args)).Should().Be(WebhookHost.BadUsage);
    }

    [Fact]
    public async Task EveryBadSettingIsReportedAtOnce()
    {
        using var errors = new StringWriter();

        var exitCode = await RunAsync(errors, "--local", "--log-format=xml", "--metrics-port=70000");

        exitCode.Should().Be(WebhookHost.BadUsage);
        errors.ToString().Should().Contain("--log-format").And.Contain("--metrics-port");
    }

    [Fact]
    public async Task AChallengeTimeoutNoLongerThanTheRoute53DeadlineIsRefusedAtStartUp()
    {
        using var errors = new StringWriter();

        var exitCode = await RunAsync(errors, "--local", "--challenge-timeout=20s");

        exitCode.Should().Be(WebhookHost.BadUsage);
        errors.ToString().Should().Be(
            "error: --challenge-timeout (20s) must be longer than Route53:Deadline (20s), which bounds the Route53 work of each challenge"
            + Environment.NewLine);
    }

    [Fact]
    public async Task AConfigurationValueOfTheWrongTypeIsReportedWithoutAStackTrace()
    {
        using var errors = new StringWriter();

        var exitCode = await RunAsync(errors, "--local", "--Webhook:SecurePort=none");

        exitCode.Should().Be(WebhookHost.BadUsage);
        errors.ToString().Should().Be("error: Failed to convert configuration value 'none' at 'Webhook:SecurePort' to type 'System.Int32'."
            + Environment.NewLine);
    }

    [Theory]
    [InlineData("--Webhook:Local=maybe", "Webhook:Local")]
    [InlineData("--Metrics:Port=99999999999", "Metrics:Port")]
    public async Task UnconvertibleValuesOfOtherTypesAreReportedAsOneLineNamingTheKey(string setting, string key)
    {
        using var errors = new StringWriter();

        var exitCode = await RunAsync(errors, "--local", setting);

        exitCode.Should().Be(WebhookHost.BadUsage);
        errors.ToString().Should().StartWith("error: ").And.Contain($"'{key}'").And.EndWith(Environment.NewLine);
        errors.ToString().TrimEnd().Should().NotContain(Environment.NewLine);
    }

    [Fact]
    public void TheValidatorNamesTheFlagThatFixesEachProblem()
    {
        var validator = new WebhookOptionsValidator();

        var result = validator.Validate(null, new WebhookOptions { Local = false, BindAddress = "nope", SolverName = "Route53" });

        result.Failures.Should().Contain(f => f.Contains("--group-name") && f.Contains("GROUP_NAME"))
            .And.Contain(f => f.Contains("--bind-address"))
            .And.Contain(f => f.Contains("--solver-name"))
            .And.Contain(f => f.Contains("--tls-cert-file"));
    }

    [Fact]
    public void LocalModeDefaultsToLoopbackAndTheExampleGroup()
    {
        var options = new WebhookOptions { Local = true };

        options.EffectiveBindAddress().Should().Be(IPAddress.Loopback);
        options.EffectiveGroupName.Should().Be("acme.example.com");
        new WebhookOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task HelpExitsZero()
    {
        (await RunAsync("--help")).Should().Be(0);
    }
}
