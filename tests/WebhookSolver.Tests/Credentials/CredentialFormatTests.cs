using WebhookSolver.Credentials;
using WebhookSolver.Testing;
using static WebhookSolver.Tests.Credentials.CredentialTestData;

namespace WebhookSolver.Tests.Credentials;

/// <summary>Values read from Secrets and answered by STS are checked like the config's own: they become signed headers.</summary>
public sealed class CredentialFormatTests
{
    private const string KeysFromSecret =
        """{"region": "eu-central-1", "accessKeyIDSecretRef": {"name": "aws", "key": "id"}, "secretAccessKeySecretRef": {"name": "aws", "key": "secret"}}""";

    private const string CrossAccount =
        """{"region": "eu-central-1", "role": "arn:aws:iam::222222222222:role/dns-manager", "accessKeyIDSecretRef": """ +
            """{"name": "aws", "key": "id"}, "secretAccessKeySecretRef": {"name": "aws", "key": "secret"}}""";

    [Theory]
    [InlineData("AKIDATTACKER\r\nX-Evil: 1", "good-secret", "the value at key \"id\" of Secret \"aws\" (accessKeyIDSecretRef) is not an AWS access key id")]
    [InlineData("AKIDATTACKER00000000\r\nContent-Length: 0\r\n\r\nGET /smuggled HTTP/1.1", "good-secret", "(accessKeyIDSecretRef) is not an AWS access key id")]
    [InlineData("akidlowercase0000000", "good-secret", "(accessKeyIDSecretRef) is not an AWS access key id")]
    [InlineData("AKIDÜBER000000000000", "good-secret", "(accessKeyIDSecretRef) is not an AWS access key id")]
    [InlineData("AKIAIOSFODNN7EXAMPLE", "secret\r\nX-Evil: 1",
        "the value at key \"secret\" of Secret \"aws\" (secretAccessKeySecretRef) is not an AWS secret access key")]
    [InlineData("AKIAIOSFODNN7EXAMPLE", "s\u00e9cret", "(secretAccessKeySecretRef) is not an AWS secret access key")]
    public async Task AHostileValueInTheSecretIsRefusedWithoutShowingIt(string id, string secret, string message)
    {
        await using var harness = await ChainHarness.StartAsync();
        harness.Kubernetes.AddSecret(Namespace, "aws", new Dictionary<string, string> { ["id"] = id, ["secret"] = secret });

        var resolve = () => harness.Chain.GetAsync(Request(KeysFromSecret), CancellationToken.None).AsTask();

        var thrown = (await resolve.Should().ThrowAsync<SolverException>()).Which;
        thrown.Message.Should().Contain(message).And.NotContain("X-Evil").And.NotContain(secret).And.NotContain("ATTACKER");
        harness.Sts.Calls.Should().BeEmpty();
    }

    [Theory]
    [InlineData(301)]
    [InlineData(307)]
    public async Task AnStsRedirectIsAFailureAndTheSignedRequestIsNotFollowed(int status)
    {
        await using var elsewhere = await FakeHttpServer.StartAsync("redirect target", (RecordedRequest _) => (FakeResponse?)null);
        await using var redirector = await FakeHttpServer.StartAsync("redirecting STS",
            (RecordedRequest _)
                => (FakeResponse?)new FakeResponse(status) { Headers = new Dictionary<string, string> { ["Location"] = elsewhere.BaseAddress.ToString() } });
        await using var harness = await ChainHarness.StartAsync(stsEndpoint: redirector.BaseAddress);
        harness.Kubernetes.AddSecret(Namespace, "aws", new Dictionary<string, string> { ["id"] = "AKIASTATICEXAMPLE", ["secret"] = "static/secret+key" });

        var resolve = () => harness.Chain.GetAsync(Request(CrossAccount), CancellationToken.None).AsTask();

        (await resolve.Should().ThrowAsync<SolverException>()).Which.Message.Should()
            .Contain($"redirect (HTTP {status})").And.Contain("never followed");
        elsewhere.Requests.Should().BeEmpty();
    }

    [Fact]
    public void CredentialsOutsideTheirFormatsAreRefusedNamingWhereTheyCameFrom()
    {
        var tokenWithNewline = new Amazon.Runtime.ImmutableCredentials("ASIAIOSFODNN7EXAMPLE", "secret", "token\nX-Evil: 1");

        var check = () => AwsFormats.Checked(tokenWithNewline, "STS");

        check.Should().Throw<SolverException>().WithMessage("the session token from STS is not an AWS session token*");
    }
}
