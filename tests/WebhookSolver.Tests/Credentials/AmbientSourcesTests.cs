using Amazon.Runtime;
using WebhookSolver.Credentials;

namespace WebhookSolver.Tests.Credentials;

/// <summary>What the pod sets up → the one line a failed ambient lookup is explained with.</summary>
public class AmbientSourcesTests
{
    private static readonly AmbientSources Nothing = new(false, null, "default", false, false, true);

    private static readonly Dictionary<string, AmbientSources> Setups = new()
    {
        ["nothing, metadata off"] = Nothing,
        ["nothing, metadata on"] = Nothing with { InstanceMetadataDisabled = false },
        ["a shared file without usable keys"] = Nothing with { SharedFiles = true, Profile = "dns" },
        ["IRSA set up but refused"] = Nothing with { WebIdentityRole = "arn:aws:iam::111111111111:role/dns" },
        ["Pod Identity set up but no answer"] = Nothing with { ContainerCredentials = true },
        ["keys in the environment without the secret"] = Nothing with { EnvironmentKeys = true },
    };

    public static TheoryData<string, string[], string[]> Table => new()
    {
        // setup, the message contains, the message does not contain
        { "nothing, metadata off",
            ["has none: tried environment variables, shared files (none), IRSA, EKS Pod Identity, instance metadata (off: AWS_EC2_METADATA_DISABLED=true)",
                "IRSA or EKS Pod Identity"],
            [] },
        { "nothing, metadata on", ["instance metadata (no instance role)"], ["AWS_EC2_METADATA_DISABLED"] },
        { "a shared file without usable keys", ["shared files (profile dns gave none)"], [] },
        { "IRSA set up but refused",
            ["IRSA role arn:aws:iam::111111111111:role/dns could not be assumed", "trust policy", "AWS_WEB_IDENTITY_TOKEN_FILE"],
            ["tried environment variables"] },
        { "Pod Identity set up but no answer", ["EKS Pod Identity", "association", "eks-pod-identity-agent"], ["IRSA role"] },
        { "keys in the environment without the secret", ["AWS_ACCESS_KEY_ID is set", "AWS_SECRET_ACCESS_KEY"], [] },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void EachSetupIsExplainedInOneShortLineWithItsFix(string setup, string[] contains, string[] excludes)
    {
        var message = Setups[setup].Explain(new AmazonClientException("Failed to resolve AWS credentials. Exception 1 of 4: The environment variables ..."));

        foreach (var text in contains)
        {
            message.Should().Contain(text, setup);
        }

        foreach (var text in excludes)
        {
            message.Should().NotContain(text, setup);
        }

        message.Should().NotContain("Exception 1 of").And.NotContain("\n");
        message.Length.Should().BeLessThanOrEqualTo(300, setup);
    }

    [Fact]
    public void AnAwsErrorCodeIsShownBesideTheExceptionType()
    {
        var refused = new AmazonServiceException("Not authorized to perform sts:AssumeRoleWithWebIdentity") { ErrorCode = "AccessDenied" };

        (Nothing with { WebIdentityRole = "arn:aws:iam::111111111111:role/dns" }).Explain(refused).Should().Contain("(AmazonServiceException: AccessDenied)");
    }

    [Theory]
    [InlineData("AWS_EC2_METADATA_DISABLED", "true", true)]
    [InlineData("AWS_EC2_METADATA_DISABLED", "TRUE", true)]
    [InlineData("AWS_EC2_METADATA_DISABLED", "false", false)]
    [InlineData("AWS_EC2_METADATA_DISABLED", null, false)]
    public void InstanceMetadataCountsAsOffOnlyWhenTheVariableSaysTrue(string name, string? value, bool disabled)
    {
        var sources = AmbientSources.From(variable => variable == name ? value : null, _ => false);

        sources.InstanceMetadataDisabled.Should().Be(disabled);
    }

    [Fact]
    public void TheSetupIsReadFromTheVariablesAndFilesTheSdkReads()
    {
        var variables = new Dictionary<string, string>
        {
            ["AWS_ROLE_ARN"] = "arn:aws:iam::111111111111:role/dns",
            ["AWS_PROFILE"] = "dns",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/creds",
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://169.254.170.23/v1/credentials",
        };

        var sources = AmbientSources.From(variables.GetValueOrDefault, path => path == "/creds");

        sources.Should().Be(new AmbientSources(false, "arn:aws:iam::111111111111:role/dns", "dns", true, true, false));
    }
}
