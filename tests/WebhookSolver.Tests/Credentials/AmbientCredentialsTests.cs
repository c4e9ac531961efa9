using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.Configuration;
using System.Globalization;
using System.Text.Json.Nodes;
using WebhookSolver.Challenges;
using WebhookSolver.Credentials;
using WebhookSolver.Testing;

using static WebhookSolver.Tests.Credentials.CredentialTestData;

namespace WebhookSolver.Tests.Credentials;

/// <summary>Each ambient source through AWSSDK.Core's real default chain, driven by its real variables and files.</summary>
[Collection(ProcessEnvironmentTests.Name)]
public class AmbientCredentialsTests
{
    private static Task<AwsIdentity> ResolveAmbient(ChainHarness harness, string configJson = "{}") =>
        harness.Chain.GetAsync(Request(configJson, allowAmbient: true), CancellationToken.None).AsTask();

    private static string CredentialsJson(string accessKeyId, string secret, string token) => new JsonObject
    {
        ["Code"] = "Success",
        ["LastUpdated"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["Type"] = "AWS-HMAC",
        ["AccessKeyId"] = accessKeyId,
        ["SecretAccessKey"] = secret,
        ["Token"] = token,
        ["Expiration"] = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    }.ToJsonString();

    [Fact]
    public async Task EnvironmentVariableKeysAreUsedAndAwsRegionWinsOverTheConfig()
    {
        using var scope = new AwsEnvironmentScope()
            .Set("AWS_ACCESS_KEY_ID", "AKIAFROMENV000000000")
            .Set("AWS_SECRET_ACCESS_KEY", "secret-from-env")
            .Set("AWS_SESSION_TOKEN", "session-from-env")
            .Set("AWS_REGION", "us-east-2");
        await using var harness = await ChainHarness.StartAsync(_ => AwsEnvironment.FromProcess());

        var identity = await ResolveAmbient(harness, """{"region": "eu-west-1"}""");

        identity.Credentials.AccessKey.Should().Be("AKIAFROMENV000000000");
        identity.Credentials.SecretKey.Should().Be("secret-from-env");
        identity.Credentials.Token.Should().Be("session-from-env");
        identity.Region.Should().Be("us-east-2");
    }

    [Fact]
    public async Task ASharedCredentialsProfileAndItsRegionAreUsed()
    {
        using var scope = new AwsEnvironmentScope();
        scope.WriteFile("credentials", "[default]\naws_access_key_id = AKIADEFAULT000000000\naws_secret_access_key = " +
            "default-secret\n\n[dns]\naws_access_key_id = AKIAPROFILE000000000\naws_secret_access_key = profile-secret\n");
        scope.WriteFile("config", "[profile dns]\nregion = ap-southeast-2\n");
        scope.Set("AWS_PROFILE", "dns");
        await using var harness = await ChainHarness.StartAsync(_ => AwsEnvironment.FromProcess());

        var identity = await ResolveAmbient(harness);

        identity.Credentials.AccessKey.Should().Be("AKIAPROFILE000000000");
        identity.Credentials.SecretKey.Should().Be("profile-secret");
        identity.Region.Should().Be("ap-southeast-2");
    }

    [Fact]
    public async Task TheAwsSectionsProfileAndFileWinOverAwsProfile()
    {
        using var scope = new AwsEnvironmentScope();
        scope.WriteFile("credentials", "[dns]\naws_access_key_id = AKIAWRONGPROFILE\naws_secret_access_key = wrong-secret\n");
        var file = scope.WriteFile("mounted-credentials", "[route53]\naws_access_key_id = AKIASECTION000000000\naws_secret_access_key = section-secret\n");
        scope.Set("AWS_PROFILE", "dns");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS:Profile"] = "route53",
            ["AWS:ProfilesLocation"] = file,
            ["AWS:Region"] = "eu-north-1",
        }).Build();
        var aws = configuration.GetAWSOptions();
        await using var harness = await ChainHarness.StartAsync(_ => AwsEnvironment.FromProcess(aws), aws);

        var identity = await ResolveAmbient(harness);

        identity.Credentials.AccessKey.Should().Be("AKIASECTION000000000");
        identity.Credentials.SecretKey.Should().Be("section-secret");
        identity.Region.Should().Be("eu-north-1");
    }

    [Fact]
    public async Task IrsaExchangesTheProjectedTokenWithStsThroughTheEndpointOverride()
    {
        using var scope = new AwsEnvironmentScope();
        var tokenFile = scope.WriteFile("token", "irsa-projected-token");
        const string irsaRole = "arn:aws:iam::111111111111:role/cert-manager";
        scope.Set("AWS_ROLE_ARN", irsaRole).Set("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile).Set("AWS_REGION", "us-west-2");
        await using var harness = await ChainHarness.StartAsync(sts =>
        {
            scope.Set("AWS_ENDPOINT_URL_STS", sts.BaseAddress.ToString());
            return AwsEnvironment.FromProcess();
        });
        harness.Sts.AllowRole(irsaRole);
        harness.Sts.AcceptWebIdentityToken("irsa-projected-token");

        var identity = await ResolveAmbient(harness);

        var call = harness.Sts.Calls.Should().ContainSingle().Which;
        call.Action.Should().Be("AssumeRoleWithWebIdentity");
        call.RoleArn.Should().Be(irsaRole);
        call.WebIdentityToken.Should().Be("irsa-projected-token");
        identity.Credentials.AccessKey.Should().Be(harness.Sts.Issued.Single().AccessKeyId);
        identity.Region.Should().Be("us-west-2");
    }

    [Fact]
    public async Task EksPodIdentityFetchesFromTheContainerEndpointWithTheTokenFile()
    {
        using var scope = new AwsEnvironmentScope();
        var tokenFile = scope.WriteFile("eks-pod-identity-token", "pod-identity-authorization");
        await using var agent = await FakeHttpServer.StartAsync("fake EKS Pod Identity agent", request =>
            request is { Method: "GET", Path: "/v1/credentials" } && request.Header("authorization") == "pod-identity-authorization"
                ? new FakeResponse(200, CredentialsJson("ASIAPODIDENTITY0", "pod-identity-secret", "pod-identity-session"))
                : null);
        scope.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", new Uri(agent.BaseAddress, "/v1/credentials").ToString())
            .Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFile)
            .Set("AWS_REGION", "eu-west-3");
        await using var harness = await ChainHarness.StartAsync(_ => AwsEnvironment.FromProcess());

        var identity = await ResolveAmbient(harness, """{"region": "us-east-1"}""");

        identity.Credentials.AccessKey.Should().Be("ASIAPODIDENTITY0");
        identity.Credentials.SecretKey.Should().Be("pod-identity-secret");
        identity.Credentials.Token.Should().Be("pod-identity-session");
        identity.Region.Should().Be("eu-west-3", "Pod Identity injects AWS_REGION, which wins over config.region");
    }

    [Fact]
    public async Task InstanceMetadataIsTheLastSourceAndUsesImdsV2()
    {
        using var scope = new AwsEnvironmentScope();
        await using var imds = await FakeHttpServer.StartAsync("fake instance metadata", request => request switch
        {
            { Method: "PUT", Path: "/latest/api/token" } when request.Header("x-aws-ec2-metadata-token-ttl-seconds") is not null =>
                new FakeResponse(200, "imds-session-token", "text/plain"),
            { Method: "GET" } when request.Header("x-aws-ec2-metadata-token") != "imds-session-token" => new FakeResponse(401, "", "text/plain"),
            { Method: "GET", Path: "/latest/meta-data/iam/security-credentials-extended" or "/latest/meta-data/iam/security-credentials-extended/" } =>
                new FakeResponse(404, "", "text/plain"),
            { Method: "GET", Path: "/latest/meta-data/iam/security-credentials" or "/latest/meta-data/iam/security-credentials/" } =>
                new FakeResponse(200, "node-role", "text/plain"),
            { Method: "GET", Path: "/latest/meta-data/iam/security-credentials/node-role" } =>
                new FakeResponse(200, CredentialsJson("ASIAINSTANCEROLE", "instance-secret", "instance-session"), "text/plain"),
            _ => null,
        });
        scope.Set("AWS_EC2_METADATA_DISABLED", null).Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.BaseAddress.ToString().TrimEnd('/'));
        await using var harness = await ChainHarness.StartAsync(_ => AwsEnvironment.FromProcess());

        var identity = await ResolveAmbient(harness);

        identity.Credentials.AccessKey.Should().Be("ASIAINSTANCEROLE");
        identity.Credentials.Token.Should().Be("instance-session");
    }

    [Fact]
    public async Task NoAmbientSourceNamesTheSourcesTriedAndTheFixInOneShortLine()
    {
        using var scope = new AwsEnvironmentScope();
        await using var harness = await ChainHarness.StartAsync(_ => AwsEnvironment.FromProcess());

        var resolve = () => ResolveAmbient(harness);

        var failure = (await resolve.Should().ThrowAsync<SolverException>()).Which;
        failure.Message.Should().Be(
            "ambient credentials are allowed but the webhook's pod has none: tried environment variables, shared files (none), IRSA, " +
            "EKS Pod Identity, instance metadata (off: AWS_EC2_METADATA_DISABLED=true). Give the webhook's ServiceAccount an IAM role " +
            "with IRSA or EKS Pod Identity");
        failure.Message.Length.Should().BeLessThanOrEqualTo(300);
    }

    [Fact]
    public async Task ABrokenIrsaSetupIsNamedWithItsRoleAndFix()
    {
        using var scope = new AwsEnvironmentScope();
        scope.Set("AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/cert-manager").Set("AWS_WEB_IDENTITY_TOKEN_FILE",
            Path.Combine(scope.Directory, "missing-token"));
        await using var harness = await ChainHarness.StartAsync(_ => AwsEnvironment.FromProcess());

        var resolve = () => ResolveAmbient(harness);

        var failure = (await resolve.Should().ThrowAsync<SolverException>()).Which;
        failure.Message.Should().StartWith("ambient credentials: IRSA role arn:aws:iam::111111111111:role/cert-manager could not be assumed (")
            .And.Contain("sts:AssumeRoleWithWebIdentity").And.NotContain("Exception 1 of");
        failure.Message.Length.Should().BeLessThanOrEqualTo(300);
    }

    [Fact]
    public async Task ARoleOnTopOfAmbientCredentialsIsAssumedWithThem()
    {
        using var scope = new AwsEnvironmentScope()
            .Set("AWS_ACCESS_KEY_ID", "AKIAPODUSER000000000")
            .Set("AWS_SECRET_ACCESS_KEY", "pod-user-secret")
            .Set("AWS_DEFAULT_REGION", "ca-central-1");
        await using var harness = await ChainHarness.StartAsync(sts =>
        {
            scope.Set("AWS_ENDPOINT_URL_STS", sts.BaseAddress.ToString());
            return AwsEnvironment.FromProcess();
        });
        harness.Sts.AllowRole(Role);

        var identity = await ResolveAmbient(harness, """{"region": "eu-west-1", "role": "arn:aws:iam::222222222222:role/dns-manager"}""");

        harness.Sts.Calls.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            Action = "AssumeRole",
            RoleArn = Role,
            RoleSessionName = "cert-manager",
            SigningAccessKeyId = "AKIAPODUSER000000000",
            SigningRegion = "ca-central-1",
        });
        identity.Credentials.AccessKey.Should().Be(harness.Sts.Issued.Single().AccessKeyId);
        identity.Region.Should().Be("ca-central-1");
    }

    [Fact]
    public async Task AmbientSecretsAndTokensStayOutOfLogsAndErrors()
    {
        using var scope = new AwsEnvironmentScope();
        var tokenFile = scope.WriteFile("token", "planted-irsa-token-5d1e");
        scope.Set("AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/not-trusted").Set("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile).Set("AWS_REGION", "us-west-2");
        await using var harness = await ChainHarness.StartAsync(sts =>
        {
            scope.Set("AWS_ENDPOINT_URL_STS", sts.BaseAddress.ToString());
            return AwsEnvironment.FromProcess();
        });

        var rejected = await ((Func<Task<AwsIdentity>>)(() => ResolveAmbient(harness))).Should().ThrowAsync<SolverException>();
        scope.Set("AWS_ROLE_ARN", null).Set("AWS_WEB_IDENTITY_TOKEN_FILE", null)
            .Set("AWS_ACCESS_KEY_ID", "AKIAPLANTEDAMBIENT").Set("AWS_SECRET_ACCESS_KEY", "planted-ambient-secret-8c2f");
        var denied = await ((Func<Task<AwsIdentity>>)(()
            => ResolveAmbient(harness, """{"role": "arn:aws:iam::222222222222:role/denied"}"""))).Should().ThrowAsync<SolverException>();

        denied.WithMessage("unable to assume role: AccessDenied*");
        string[] texts = [rejected.Which.ToString(), denied.Which.ToString(), .. harness.Logs.Lines()];
        foreach (var text in texts)
        {
            text.Should().NotContain("planted-irsa-token-5d1e").And.NotContain("planted-ambient-secret-8c2f").And.NotContain("AKIAPLANTEDAMBIENT");
        }
    }
}
