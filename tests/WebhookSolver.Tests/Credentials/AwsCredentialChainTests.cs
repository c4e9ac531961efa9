using WebhookSolver.Challenges;
using WebhookSolver.Credentials;

using static WebhookSolver.Tests.Credentials.CredentialTestData;

namespace WebhookSolver.Tests.Credentials;

public class AwsCredentialChainTests
{
    private const string ServiceAccountConfig =
        """{"region": "eu-west-1", "role": "arn:aws:iam::222222222222:role/dns-manager", "auth": {"kubernetes": {"serviceAccountRef": {"name": "dns"}}}}""";

    private const string SecretKeysConfig =
        """{"region": "eu-central-1", "accessKeyIDSecretRef": {"name": "aws", "key": "id"}, "secretAccessKeySecretRef": {"name": "aws", "key": "secret"}}""";

    private const string CrossAccountConfig =
        """{"region": "eu-central-1", "role": "arn:aws:iam::222222222222:role/dns-manager", "accessKeyIDSecretRef": """ +
            """{"name": "aws", "key": "id"}, "secretAccessKeySecretRef": {"name": "aws", "key": "secret"}}""";

    private static Task<AwsIdentity> Resolve(ChainHarness harness, string configJson, bool allowAmbient = false, string ns = Namespace) =>
        harness.Chain.GetAsync(Request(configJson, allowAmbient, ns), CancellationToken.None).AsTask();

    private static void AddKeys(ChainHarness harness, string ns = Namespace) =>
        harness.Kubernetes.AddSecret(ns, "aws", new Dictionary<string, string> { ["id"] = " AKIASTATICEXAMPLE\n", ["secret"] = "static/secret+key\n" });

    [Fact]
    public async Task ServiceAccountReferenceRequestsATokenInTheResourceNamespaceAndExchangesItWithSts()
    {
        await using var harness = await ChainHarness.StartAsync();
        harness.Kubernetes.AddServiceAccount(Namespace, "dns", "sa-token-for-dns");
        harness.Sts.AcceptWebIdentityToken("sa-token-for-dns");
        harness.Sts.AllowRole(Role);

        var identity = await Resolve(harness, ServiceAccountConfig);

        harness.Kubernetes.TokenRequests.Should().ContainSingle().Which
            .Should().BeEquivalentTo(new { Namespace, ServiceAccount = "dns", Audiences = new[] { "sts.amazonaws.com" }, ExpirationSeconds = 600L });
        harness.Sts.Calls.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            Action = "AssumeRoleWithWebIdentity",
            RoleArn = Role,
            RoleSessionName = "cert-manager",
            WebIdentityToken = "sa-token-for-dns",
            SigningAccessKeyId = (string?)null,
        });
        var issued = harness.Sts.Issued.Single();
        identity.Credentials.AccessKey.Should().Be(issued.AccessKeyId);
        identity.Credentials.SecretKey.Should().Be(issued.SecretAccessKey);
        identity.Credentials.Token.Should().Be(issued.SessionToken);
        identity.Region.Should().Be("eu-west-1");
    }

    [Fact]
    public async Task ServiceAccountAudiencesFromTheConfigReplaceTheDefault()
    {
        await using var harness = await ChainHarness.StartAsync();
        harness.Kubernetes.AddServiceAccount(Namespace, "dns", "sa-token");
        harness.Sts.AcceptWebIdentityToken("sa-token");
        harness.Sts.AllowRole(Role);

        await Resolve(harness, """{"region": "eu-west-1", "role": "arn:aws:iam::222222222222:role/dns-manager", "auth": """ +
            """{"kubernetes": {"serviceAccountRef": {"name": "dns", "audiences": ["sts.amazonaws.com", "https://oidc.example"]}}}}""");

        harness.Kubernetes.TokenRequests.Single().Audiences.Should().Equal("sts.amazonaws.com", "https://oidc.example");
    }

    [Fact]
    public async Task StaticKeysAreReadFromOneSecretInTheResourceNamespaceAndTrimmed()
    {
        await using var harness = await ChainHarness.StartAsync("AWS_REGION=us-west-2");
        AddKeys(harness);

        var identity = await Resolve(harness, SecretKeysConfig);

        identity.Credentials.AccessKey.Should().Be("AKIASTATICEXAMPLE");
        identity.Credentials.SecretKey.Should().Be("static/secret+key");
        identity.Credentials.UseToken.Should().BeFalse();
        identity.Region.Should().Be("eu-central-1");
        harness.Kubernetes.SecretReads.Should().Equal((Namespace, "aws"));
        harness.Sts.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task ALiteralAccessKeyIdIsUsedWithTheSecretKeyFromItsSecret()
    {
        await using var harness = await ChainHarness.StartAsync();
        harness.Kubernetes.AddSecret(Namespace, "secret-only", new Dictionary<string, string> { ["secret"] = "literal-case-secret" });

        var identity = await Resolve(harness,
            """{"accessKeyID": " AKIALITERAL000000000 ", "secretAccessKeySecretRef": {"name": "secret-only", "key": "secret"}}""");

        identity.Credentials.AccessKey.Should().Be("AKIALITERAL000000000");
        identity.Credentials.SecretKey.Should().Be("literal-case-secret");
        identity.Region.Should().BeNull("Route53 is global; without a region it uses the standard partition");
    }

    [Fact]
    public async Task KeysInTwoSecretsAreReadFromBothInTheResourceNamespace()
    {
        await using var harness = await ChainHarness.StartAsync();
        harness.Kubernetes.AddSecret(Namespace, "ids", new Dictionary<string, string> { ["id"] = "AKIAFROMIDS000000000" });
        harness.Kubernetes.AddSecret(Namespace, "secrets", new Dictionary<string, string> { ["key"] = "from-secrets" });

        var identity = await Resolve(harness,
            """{"accessKeyIDSecretRef": {"name": "ids", "key": "id"}, "secretAccessKeySecretRef": {"name": "secrets", "key": "key"}}""");

        identity.Credentials.AccessKey.Should().Be("AKIAFROMIDS000000000");
        identity.Credentials.SecretKey.Should().Be("from-secrets");
        harness.Kubernetes.SecretReads.Should().BeEquivalentTo([(Namespace, "secrets"), (Namespace, "ids")]);
    }

    [Fact]
    public async Task SecretsAreNeverReadOutsideTheResourceNamespace()
    {
        await using var harness = await ChainHarness.StartAsync();
        AddKeys(harness, "cert-manager");

        var resolve = () => Resolve(harness, SecretKeysConfig);

        await resolve.Should().ThrowAsync<SolverException>().WithMessage("Secret \"aws\" in namespace \"team-a\" not found*");
        harness.Kubernetes.SecretReads.Should().OnlyContain(read => read.Namespace == Namespace);
    }

    [Fact]
    public async Task RoleOnTopOfStaticKeysIsAssumedWithThoseKeysAtTheRegionalEndpoint()
    {
        await using var harness = await ChainHarness.StartAsync();
        AddKeys(harness);
        harness.Sts.AllowRole(Role);

        var identity = await Resolve(harness, CrossAccountConfig);

        harness.Sts.Calls.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            Action = "AssumeRole",
            RoleArn = Role,
            RoleSessionName = "cert-manager",
            SigningAccessKeyId = "AKIASTATICEXAMPLE",
            SigningRegion = "eu-central-1",
            SecurityToken = (string?)null,
        });
        var issued = harness.Sts.Issued.Single();
        identity.Credentials.AccessKey.Should().Be(issued.AccessKeyId);
        identity.Credentials.SecretKey.Should().Be(issued.SecretAccessKey);
        identity.Credentials.Token.Should().Be(issued.SessionToken);
    }

    [Fact]
    public async Task ABurstOfChallengesForOneIssuerCostsOneStsCall()
    {
        await using var harness = await ChainHarness.StartAsync();
        harness.Kubernetes.AddServiceAccount(Namespace, "dns", "sa-token");
        harness.Sts.AcceptWebIdentityToken("sa-token");
        harness.Sts.AllowRole(Role);
        AddKeys(harness);

        var identities = await Task.WhenAll(Enumerable.Range(0, 20).SelectMany(_ => new[]
        {
            Resolve(harness, ServiceAccountConfig),
            Resolve(harness, CrossAccountConfig),
        }));

        harness.Kubernetes.TokenRequests.Should().HaveCount(1);
        harness.Sts.Calls.Should().HaveCount(2);
        identities.Select(identity => identity.Credentials.AccessKey).Distinct().Should().HaveCount(2);
        var lookups = harness.CacheLookups.GetMeasurementSnapshot();
        lookups.Where(m => m.MatchesTags(new KeyValuePair<string, object?>("result", "miss"))).Sum(m => m.Value).Should().Be(2);
        lookups.Where(m => m.MatchesTags(new KeyValuePair<string, object?>("result", "hit"))).Sum(m => m.Value).Should().Be(38);
    }

    [Fact]
    public async Task CachedCredentialsAreRenewedFiveMinutesBeforeTheyExpire()
    {
        await using var harness = await ChainHarness.StartAsync();
        harness.Kubernetes.AddServiceAccount(Namespace, "dns", "sa-token");
        harness.Sts.AcceptWebIdentityToken("sa-token");
        harness.Sts.AllowRole(Role);

        var first = await Resolve(harness, ServiceAccountConfig);
        harness.Time.Advance(TimeSpan.FromMinutes(54));
        var beforeMargin = await Resolve(harness, ServiceAccountConfig);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        var insideMargin = await Resolve(harness, ServiceAccountConfig);

        beforeMargin.Credentials.AccessKey.Should().Be(first.Credentials.AccessKey);
        insideMargin.Credentials.AccessKey.Should().NotBe(first.Credentials.AccessKey);
        harness.Sts.Calls.Should().HaveCount(2);
        harness.Kubernetes.TokenRequests.Should().HaveCount(2, "a renewal needs a fresh ServiceAccount token");
    }

    [Fact]
    public async Task ShortSessionsAreRenewedAtHalfLife()
    {
        await using var harness = await ChainHarness.StartAsync();
        AddKeys(harness);
        harness.Sts.AllowRole(Role);
        harness.Sts.SessionDuration = TimeSpan.FromMinutes(6);

        await Resolve(harness, CrossAccountConfig);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        await Resolve(harness, CrossAccountConfig);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        await Resolve(harness, CrossAccountConfig);

        harness.Sts.Calls.Should().HaveCount(2);
    }

    [Fact]
    public async Task DistinctConfigurationsAreCachedApart()
    {
        await using var harness = await ChainHarness.StartAsync();
        const string otherRole = "arn:aws:iam::333333333333:role/other";
        foreach (var ns in new[] { "team-a", "team-b" })
        {
            harness.Kubernetes.AddServiceAccount(ns, "dns", $"token-{ns}");
            harness.Sts.AcceptWebIdentityToken($"token-{ns}");
        }

        harness.Sts.AllowRole(Role);
        harness.Sts.AllowRole(otherRole);

        var a = await Resolve(harness, ServiceAccountConfig, ns: "team-a");
        var b = await Resolve(harness, ServiceAccountConfig, ns: "team-b");
        var c = await Resolve(harness, ServiceAccountConfig.Replace(Role, otherRole, StringComparison.Ordinal), ns: "team-a");
        var d = await Resolve(harness, ServiceAccountConfig.Replace("eu-west-1", "eu-west-2", StringComparison.Ordinal), ns: "team-a");

        new[] { a, b, c, d }.Select(identity => identity.Credentials.AccessKey).Should().OnlyHaveUniqueItems();
        harness.Sts.Calls.Select(call => call.WebIdentityToken).Should().Equal("token-team-a", "token-team-b", "token-team-a", "token-team-a");
    }

    [Fact]
    public async Task ARotatedStaticKeyGetsItsOwnAssumedRole()
    {
        await using var harness = await ChainHarness.StartAsync();
        AddKeys(harness);
        harness.Sts.AllowRole(Role);

        await Resolve(harness, CrossAccountConfig);
        harness.Kubernetes.AddSecret(Namespace, "aws", new Dictionary<string, string> { ["id"] = "AKIAROTATED000000000", ["secret"] = "rotated" });
        await Resolve(harness, CrossAccountConfig);

        harness.Sts.Calls.Select(call => call.SigningAccessKeyId).Should().Equal("AKIASTATICEXAMPLE", "AKIAROTATED000000000");
    }

    [Fact]
    public async Task AFailedAssumeRoleIsReportedInCertManagersWordsAndNotCached()
    {
        await using var harness = await ChainHarness.StartAsync();
        AddKeys(harness);

        var resolve = () => Resolve(harness, CrossAccountConfig);

        var first = await resolve.Should().ThrowAsync<SolverException>();
        first.WithMessage("unable to assume role: AccessDenied: User: arn:aws:iam::111111111111:user/source is not authorized to perform: sts:AssumeRole on " +
            "resource: arn:aws:iam::222222222222:role/dns-manager*");
        var second = await resolve.Should().ThrowAsync<SolverException>();
        second.Which.Message.Should().Be(first.Which.Message, "messages are stable across retries (no request ids)");

        harness.Sts.AllowRole(Role);
        await resolve();
        harness.Sts.Calls.Should().HaveCount(3);
    }

    [Fact]
    public async Task ARejectedServiceAccountTokenIsReportedAsWebIdentityFailure()
    {
        await using var harness = await ChainHarness.StartAsync();
        harness.Kubernetes.AddServiceAccount(Namespace, "dns", "token-sts-does-not-trust");
        harness.Sts.AllowRole(Role);

        var resolve = () => Resolve(harness, ServiceAccountConfig);

        await resolve.Should().ThrowAsync<SolverException>()
            .WithMessage("unable to assume role with web identity: InvalidIdentityToken: *");
    }

    [Fact]
    public async Task AnUnreachableStsIsNamedWithItsEndpoint()
    {
        var closed = ChainHarness.ClosedPort();
        await using var harness = await ChainHarness.StartAsync(stsEndpoint: closed);
        AddKeys(harness);

        var resolve = () => Resolve(harness, CrossAccountConfig);

        await resolve.Should().ThrowAsync<SolverException>()
            .WithMessage($"unable to assume role: cannot reach STS at {closed.GetLeftPart(UriPartial.Authority)}*");
    }

    [Fact]
    public async Task StsOutagesAreReportedWithTheirCode()
    {
        await using var harness = await ChainHarness.StartAsync();
        AddKeys(harness);
        harness.Sts.FailWith = (503, "ServiceUnavailable", "Service is unavailable");

        var resolve = () => Resolve(harness, CrossAccountConfig);

        await resolve.Should().ThrowAsync<SolverException>().WithMessage("unable to assume role: ServiceUnavailable: Service is unavailable*");
    }

    [Fact]
    public async Task AnIssuerWithoutCredentialsIsRefusedWithoutAnyCall()
    {
        await using var harness = await ChainHarness.StartAsync("AWS_REGION=us-east-1");

        var resolve = () => Resolve(harness, """{"region": "us-east-1", "role": "arn:aws:iam::222222222222:role/dns-manager"}""");

        await resolve.Should().ThrowAsync<SolverException>().WithMessage("empty credentials; perhaps you meant to enable ambient credentials?*");
        harness.Kubernetes.Requests.Should().BeEmpty();
        harness.Sts.Calls.Should().BeEmpty();
    }
}
