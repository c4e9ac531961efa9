using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.Configuration;
using WebhookSolver.Challenges;
using WebhookSolver.Credentials;

using static WebhookSolver.Tests.Credentials.CredentialTestData;

using WebhookSolver.Solver;

namespace WebhookSolver.Tests.Credentials;

/// <summary>The decision table of docs/design/credentials.md: config × allowAmbientCredentials × environment → plan or error.</summary>
public class CredentialPlanTests
{
    private const string Sa = """ "auth": {"kubernetes": {"serviceAccountRef": {"name": "dns"}}} """;
    private const string Keys = """ "accessKeyIDSecretRef": {"name": "aws", "key": "id"}, "secretAccessKeySecretRef": {"name": "aws", "key": "secret"} """;
    private const string Literal = """ "accessKeyID": "AKIAEXAMPLE000000000", "secretAccessKeySecretRef": {"name": "aws", "key": "secret"} """;
    private const string RoleField = """ "role": "arn:aws:iam::222222222222:role/dns-manager" """;

    public static TheoryData<string, string, bool, string, string> Table => new()
    {
        // name, config, allowAmbient, environment, expected: source|sts|region|endpoint, or "error:<message>"
        { "service account, config region", $$"""{ {{Sa}}, {{RoleField}}, "region": "eu-west-1" }""", false, "",
            "ServiceAccountToken|AssumeRoleWithWebIdentity|eu-west-1|https://sts.eu-west-1.amazonaws.com/" },
        { "service account beats static keys", $$"""{ {{Sa}}, {{Keys}}, {{RoleField}}, "region": "eu-west-1" }""", true, "",
            "ServiceAccountToken|AssumeRoleWithWebIdentity|eu-west-1|https://sts.eu-west-1.amazonaws.com/" },
        { "service account, config region beats AWS_REGION", $$"""{ {{Sa}}, {{RoleField}}, "region": "eu-west-1" }""", false, "AWS_REGION=us-west-2",
            "ServiceAccountToken|AssumeRoleWithWebIdentity|eu-west-1|https://sts.eu-west-1.amazonaws.com/" },
        { "service account, region from AWS_REGION", $$"""{ {{Sa}}, {{RoleField}} }""", false, "AWS_REGION=us-west-2;AWS_DEFAULT_REGION=eu-north-1",
            "ServiceAccountToken|AssumeRoleWithWebIdentity|us-west-2|https://sts.us-west-2.amazonaws.com/" },
        { "service account, region from AWS_DEFAULT_REGION", $$"""{ {{Sa}}, {{RoleField}} }""", false, "AWS_DEFAULT_REGION=eu-north-1;profile=ap-south-1",
            "ServiceAccountToken|AssumeRoleWithWebIdentity|eu-north-1|https://sts.eu-north-1.amazonaws.com/" },
        { "service account, region from the shared config profile", $$"""{ {{Sa}}, {{RoleField}} }""", false, "profile=ap-south-1",
            "ServiceAccountToken|AssumeRoleWithWebIdentity|ap-south-1|https://sts.ap-south-1.amazonaws.com/" },
        { "service account, China partition", $$"""{ {{Sa}}, {{RoleField}}, "region": "cn-north-1" }""", false, "",
            "ServiceAccountToken|AssumeRoleWithWebIdentity|cn-north-1|https://sts.cn-north-1.amazonaws.com.cn/" },
        { "service account, endpoint override", $$"""{ {{Sa}}, {{RoleField}}, "region": "eu-west-1" }""", false, "sts=http://127.0.0.1:4566",
            "ServiceAccountToken|AssumeRoleWithWebIdentity|eu-west-1|http://127.0.0.1:4566/" },
        { "service account without any region", $$"""{ {{Sa}}, {{RoleField}} }""", false, "",
            "error:no AWS region for STS, which is regional and needed for auth.kubernetes.serviceAccountRef: set \"region\"*" },

        { "static keys from Secrets", $$"""{ {{Keys}}, "region": "eu-west-1" }""", false, "AWS_REGION=us-west-2",
            "StaticKeys|None|eu-west-1|" },
        { "static keys with a literal key id", $$"""{ {{Literal}} }""", false, "",
            "StaticKeys|None||" },
        { "static keys without a region: Route53 needs none", $$"""{ {{Keys}} }""", false, "",
            "StaticKeys|None||" },
        { "static keys are not refused when ambient is off", $$"""{ {{Keys}} }""", false, "AWS_DEFAULT_REGION=eu-north-1",
            "StaticKeys|None|eu-north-1|" },
        { "static keys and role: cross-account", $$"""{ {{Keys}}, {{RoleField}}, "region": "us-gov-west-1" }""", false, "",
            "StaticKeys|AssumeRole|us-gov-west-1|https://sts.us-gov-west-1.amazonaws.com/" },
        { "static keys and role without region", $$"""{ {{Keys}}, {{RoleField}} }""", false, "",
            "error:no AWS region for STS, which is regional and needed for role: set \"region\"*" },

        { "ambient allowed", "{}", true, "",
            "Ambient|None||" },
        { "ambient allowed, absent config", "null", true, "AWS_REGION=us-east-2",
            "Ambient|None|us-east-2|" },
        { "ambient: AWS_REGION wins over config.region", """{"region": "eu-west-1"}""", true, "AWS_REGION=us-east-2",
            "Ambient|None|us-east-2|" },
        { "ambient: AWS_DEFAULT_REGION wins over config.region", """{"region": "eu-west-1"}""", true, "AWS_DEFAULT_REGION=us-east-2",
            "Ambient|None|us-east-2|" },
        { "ambient: config.region wins over the profile", """{"region": "eu-west-1"}""", true, "profile=ap-south-1",
            "Ambient|None|eu-west-1|" },
        { "ambient and role: cross-account from the pod's identity", $$"""{ {{RoleField}}, "region": "eu-west-1" }""", true, "AWS_REGION=us-east-2",
            "Ambient|AssumeRole|us-east-2|https://sts.us-east-2.amazonaws.com/" },
        { "only a key id never falls back to ambient", """{"accessKeyID": "AKIAEXAMPLE000000000"}""", true, "",
            "error:only one of access and secret key was provided" },

        { "ambient refused for an Issuer", "{}", false, "AWS_REGION=us-east-2",
            "error:empty credentials; perhaps you meant to enable ambient credentials?*" },
        { "ambient refused even with a role", $$"""{ {{RoleField}}, "region": "eu-west-1" }""", false, "",
            "error:empty credentials; perhaps you meant to enable ambient credentials?*" },
        { "absent config and ambient refused", "null", false, "",
            "error:empty credentials; perhaps you meant to enable ambient credentials?*" },
        { "a region that is not a region name", """{"region": "eu-west-1.evil.example/x"}""", true, "",
            "error:config.region is not an AWS region name*" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void TheDecisionTableHolds(string name, string configJson, bool allowAmbient, string environment, string expected)
    {
        _ = name;
        var env = ParseEnvironment(environment);

        var plan = () => CredentialPlan.For(Route53ConfigDecoder.Decode(Json(configJson)), allowAmbient, env);

        if (expected.StartsWith("error:", StringComparison.Ordinal))
        {
            plan.Should().Throw<SolverException>().WithMessage(expected["error:".Length..]);
            return;
        }

        var parts = expected.Split('|');
        var result = plan();
        result.Source.Should().Be(Enum.Parse<CredentialSourceKind>(parts[0]));
        result.Sts.Should().Be(Enum.Parse<StsCall>(parts[1]));
        result.Region.Should().Be(parts[2].Length == 0 ? null : parts[2]);
        (result.StsEndpoint?.ToString() ?? "").Should().Be(parts[3]);
    }

    [Theory]
    [InlineData("us-east-1", "https://sts.us-east-1.amazonaws.com/")]
    [InlineData("eu-central-1", "https://sts.eu-central-1.amazonaws.com/")]
    [InlineData("cn-northwest-1", "https://sts.cn-northwest-1.amazonaws.com.cn/")]
    [InlineData("us-gov-east-1", "https://sts.us-gov-east-1.amazonaws.com/")]
    [InlineData("us-iso-east-1", "https://sts.us-iso-east-1.c2s.ic.gov/")]
    [InlineData("us-isob-east-1", "https://sts.us-isob-east-1.sc2s.sgov.gov/")]
    public void StsIsCalledAtTheRegionalEndpointOfThePartition(string region, string endpoint)
    {
        CredentialPlan.RegionalStsEndpoint(region).ToString().Should().Be(endpoint);
    }

    [Fact]
    public void TheEnvironmentIsReadFromItsVariablesWithTheStsOverrideFirst()
    {
        var variables = new Dictionary<string, string>
        {
            ["AWS_REGION"] = " us-west-2 ",
            ["AWS_DEFAULT_REGION"] = "eu-west-1",
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1/",
            ["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:4566",
            ["AWS_PROFILE"] = "dns",
        };

        var env = AwsEnvironment.From(new AWSOptions(), variables.GetValueOrDefault, (profile, _) => profile == "dns" ? "ap-south-1" : null);

        env.Should().Be(new AwsEnvironment("us-west-2", "eu-west-1", "ap-south-1", new Uri("http://127.0.0.1:4566")));
    }

    [Fact]
    public void TheAwsConfigurationSectionWinsOverTheVariablesExceptTheStsSpecificEndpoint()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS:Region"] = "ca-central-1",
            ["AWS:Profile"] = "dns",
            ["AWS:ProfilesLocation"] = "/etc/aws/credentials",
            ["AWS:ServiceURL"] = "http://127.0.0.1:4566/",
        }).Build();
        var variables = new Dictionary<string, string>
        {
            ["AWS_REGION"] = "us-west-2",
            ["AWS_PROFILE"] = "other",
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1/",
        };
        string? profileSeen = null, locationSeen = null;

        var env = AwsEnvironment.From(configuration.GetAWSOptions(), variables.GetValueOrDefault, (profile, location) =>
        {
            (profileSeen, locationSeen) = (profile, location);
            return "ap-south-1";
        });
        var withStsVariable = AwsEnvironment.From(
            configuration.GetAWSOptions(), name => name == "AWS_ENDPOINT_URL_STS" ? "http://127.0.0.1:2/" : null, (_, _) => null);

        env.Should().Be(new AwsEnvironment("ca-central-1", null, "ap-south-1", new Uri("http://127.0.0.1:4566/")));
        (profileSeen, locationSeen).Should().Be(("dns", "/etc/aws/credentials"));
        withStsVariable.StsEndpointOverride.Should().Be(new Uri("http://127.0.0.1:2/"));
    }

    [Fact]
    public void AMalformedStsOverrideStopsStartUpWithTheVariableNamed()
    {
        var read = () => AwsEnvironment.From(new AWSOptions(), name => name == "AWS_ENDPOINT_URL_STS" ? "not a url" : null, (_, _) => null);

        read.Should().Throw<InvalidOperationException>().WithMessage("*AWS_ENDPOINT_URL_STS*not an absolute URL*");
    }

    internal static AwsEnvironment ParseEnvironment(string text)
    {
        var values = text.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);
        return new AwsEnvironment(
            values.GetValueOrDefault("AWS_REGION"),
            values.GetValueOrDefault("AWS_DEFAULT_REGION"),
            values.GetValueOrDefault("profile"),
            values.TryGetValue("sts", out var sts) ? new Uri(sts) : null);
    }
}
