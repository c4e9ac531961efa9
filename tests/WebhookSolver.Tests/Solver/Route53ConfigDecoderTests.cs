using System.Text.Json;
using WebhookSolver.Challenges;
using WebhookSolver.Credentials;

using static WebhookSolver.Tests.Credentials.CredentialTestData;

using WebhookSolver.Solver;

namespace WebhookSolver.Tests.Solver;

public class Route53ConfigDecoderTests
{
    [Fact]
    public void TheBuiltInRoute53BlockDecodesWithItsOwnFieldNames()
    {
        var config = Route53ConfigDecoder.Decode(Json("""
            {
              "region": " eu-central-1 ",
              "hostedZoneID": "Z0123456789ABC",
              "accessKeyIDSecretRef": { "name": "prod-route53-credentials-secret", "key": "access-key-id" },
              "secretAccessKeySecretRef": { "name": "prod-route53-credentials-secret", "key": "secret-access-key" },
              "role": "arn:aws:iam::222222222222:role/dns-manager"
            }
            """));

        config.Region.Should().Be("eu-central-1");
        config.HostedZoneID.Should().Be("Z0123456789ABC");
        config.AccessKeyIDSecretRef.Should().Be(new SecretKeySelector { Name = "prod-route53-credentials-secret", Key = "access-key-id" });
        config.SecretAccessKeySecretRef!.Key.Should().Be("secret-access-key");
        config.Role.Should().Be(Role);
    }

    [Fact]
    public void ServiceAccountReferenceKeepsItsAudiences()
    {
        var config = Route53ConfigDecoder.Decode(Json("""
            {"role": "arn:aws:iam::1:role/r", "auth": {"kubernetes": {"serviceAccountRef": {"name": "dns", "audiences": ["sts.amazonaws.com", "extra"]}}}}
            """));

        config.Auth!.Kubernetes!.ServiceAccountRef!.Name.Should().Be("dns");
        config.Auth.Kubernetes.ServiceAccountRef.Audiences.Should().Equal("sts.amazonaws.com", "extra");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    [InlineData("{}")]
    public void AbsentOrEmptyConfigIsTheEmptyConfig(string? json)
    {
        JsonElement? element = json is null ? null : Json(json);

        Route53ConfigDecoder.Decode(element).Should().Be(new Route53Config());
    }

    [Theory]
    [InlineData("""{"hostedZoneId": "Z1"}""", "unknown field \"hostedZoneId\" (did you mean \"hostedZoneID\"?)")]
    [InlineData("""{"accessKeyIdSecretRef": {"name": "a", "key": "b"}}""", "unknown field \"accessKeyIdSecretRef\" (did you mean \"accessKeyIDSecretRef\"?)")]
    [InlineData("""{"secretAccessKeySecretRef": {"name": "a", "kee": "b"}}""", "unknown field \"secretAccessKeySecretRef.kee\"")]
    [InlineData("""{"auth": {"kubernetes": {"serviceAccountRef": {"nmae": "x"}}}, "role": "r"}""", "unknown field \"auth.kubernetes.serviceAccountRef.nmae\"")]
    [InlineData("""{"ambient": true}""", "unknown field \"ambient\"")]
    [InlineData("""{"region": 5}""", "field \"region\" must be a string, got a number")]
    [InlineData("""{"accessKeyIDSecretRef": "name"}""", "field \"accessKeyIDSecretRef\" must be an object, got a string")]
    [InlineData("""{"auth": {"kubernetes": {"serviceAccountRef": {"name": "x", "audiences": "sts"}}}, "role": "r"}""", "field \"auth.kubernetes.serviceAccountRef.audiences\" must be a list of strings")]
    [InlineData("""["region"]""", "webhook config must be a JSON object")]
    public void MalformedConfigIsRefusedNamingTheField(string json, string message)
    {
        var decode = () => Route53ConfigDecoder.Decode(Json(json));

        decode.Should().Throw<SolverException>().WithMessage($"*{message}*");
    }

    [Theory]
    [InlineData("""{"accessKeyID": "AKIAEXAMPLE", "accessKeyIDSecretRef": {"name": "s", "key": "k"}, "secretAccessKeySecretRef": {"name": "s", "key": "k2"}}""",
        "accessKeyID and accessKeyIDSecretRef cannot both be specified")]
    [InlineData("""{"accessKeyIDSecretRef": {"name": "s"}, "secretAccessKeySecretRef": {"name": "s", "key": "k2"}}""",
        "accessKeyIDSecretRef requires a key field to be specified")]
    [InlineData("""{"accessKeyIDSecretRef": {"key": "k"}, "secretAccessKeySecretRef": {"name": "s", "key": "k2"}}""",
        "accessKeyIDSecretRef requires a name field to be specified")]
    [InlineData("""{"accessKeyID": "AKIAEXAMPLE", "secretAccessKeySecretRef": {"name": "s"}}""",
        "secretAccessKeySecretRef requires a key field to be specified")]
    [InlineData("""{"accessKeyID": "AKIAEXAMPLE", "secretAccessKeySecretRef": {"key": "k"}}""",
        "secretAccessKeySecretRef requires a name field to be specified")]
    [InlineData("""{"accessKeyID": "AKIAEXAMPLE"}""", "only one of access and secret key was provided")]
    [InlineData("""{"secretAccessKeySecretRef": {"name": "s", "key": "k"}}""", "only one of access and secret key was provided")]
    [InlineData("""{"role": "r", "auth": {"kubernetes": {"serviceAccountRef": {"name": "  "}}}}""", "service account name is required for Kubernetes auth")]
    [InlineData("""{"role": "r", "auth": {"kubernetes": {}}}""", "service account name is required for Kubernetes auth")]
    [InlineData("""{"auth": {"kubernetes": {"serviceAccountRef": {"name": "dns"}}}}""", "role must be set when web identity token is set")]
    public void ContradictoryConfigGetsCertManagersWording(string json, string message)
    {
        var decode = () => Route53ConfigDecoder.Decode(Json(json));

        decode.Should().Throw<SolverException>().WithMessage(message);
    }

    [Fact]
    public void StaticKeysNextToAServiceAccountReferenceAreIgnoredNotRefused()
    {
        var config = Route53ConfigDecoder.Decode(Json("""
            {"role": "r", "accessKeyID": "AKIAEXAMPLE", "auth": {"kubernetes": {"serviceAccountRef": {"name": "dns"}}}}
            """));

        config.Auth!.Kubernetes!.ServiceAccountRef!.Name.Should().Be("dns");
    }
}
