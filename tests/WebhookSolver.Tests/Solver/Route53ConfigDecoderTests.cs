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
            {"role": "arn:aws:iam::111111111111:role/r",
             "auth": {"kubernetes": {"serviceAccountRef": {"name": "dns", "audiences": ["sts.amazonaws.com", "extra"]}}}}
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
    [InlineData("""{"auth": {"kubernetes": {"serviceAccountRef": {"nmae": "x"}}}, "role": "arn:aws:iam::222222222222:role/r"}""",
        "unknown field \"auth.kubernetes.serviceAccountRef.nmae\"")]
    [InlineData("""{"ambient": true}""", "unknown field \"ambient\"")]
    [InlineData("""{"region": 5}""", "field \"region\" must be a string, got a number")]
    [InlineData("""{"accessKeyIDSecretRef": "name"}""", "field \"accessKeyIDSecretRef\" must be an object, got a string")]
    [InlineData("""{"auth": {"kubernetes": {"serviceAccountRef": {"name": "x", "audiences": "sts"}}}, "role": "arn:aws:iam::222222222222:role/r"}""",
        "field \"auth.kubernetes.serviceAccountRef.audiences\" must be a list of strings")]
    [InlineData("""["region"]""", "webhook config must be a JSON object")]
    public void MalformedConfigIsRefusedNamingTheField(string json, string message)
    {
        var decode = () => Route53ConfigDecoder.Decode(Json(json));

        decode.Should().Throw<SolverException>().WithMessage($"*{message}*");
    }

    [Theory]
    [InlineData("""{"accessKeyID": "AKIAEXAMPLE000000000", "accessKeyIDSecretRef": {"name": "s", "key": "k"}, "secretAccessKeySecretRef": """ +
        """{"name": "s", "key": "k2"}}""",
        "accessKeyID and accessKeyIDSecretRef cannot both be specified")]
    [InlineData("""{"accessKeyIDSecretRef": {"name": "s"}, "secretAccessKeySecretRef": {"name": "s", "key": "k2"}}""",
        "accessKeyIDSecretRef requires a key field to be specified")]
    [InlineData("""{"accessKeyIDSecretRef": {"key": "k"}, "secretAccessKeySecretRef": {"name": "s", "key": "k2"}}""",
        "accessKeyIDSecretRef requires a name field to be specified")]
    [InlineData("""{"accessKeyID": "AKIAEXAMPLE000000000", "secretAccessKeySecretRef": {"name": "s"}}""",
        "secretAccessKeySecretRef requires a key field to be specified")]
    [InlineData("""{"accessKeyID": "AKIAEXAMPLE000000000", "secretAccessKeySecretRef": {"key": "k"}}""",
        "secretAccessKeySecretRef requires a name field to be specified")]
    [InlineData("""{"accessKeyID": "AKIAEXAMPLE000000000"}""", "only one of access and secret key was provided")]
    [InlineData("""{"secretAccessKeySecretRef": {"name": "s", "key": "k"}}""", "only one of access and secret key was provided")]
    [InlineData("""{"role": "arn:aws:iam::222222222222:role/r", "auth": {"kubernetes": {"serviceAccountRef": {"name": "  "}}}}""",
        "service account name is required for Kubernetes auth")]
    [InlineData("""{"role": "arn:aws:iam::222222222222:role/r", "auth": {"kubernetes": {}}}""", "service account name is required for Kubernetes auth")]
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
            {"role": "arn:aws:iam::222222222222:role/r", "accessKeyID": "AKIAEXAMPLE000000000", "auth": {"kubernetes": {"serviceAccountRef": {"name": "dns"}}}}
            """));

        config.Auth!.Kubernetes!.ServiceAccountRef!.Name.Should().Be("dns");
    }
}

public class Route53ConfigFormatTests
{
    [Theory]
    [InlineData("""{"accessKeyID": "AKIDATTACKER\r\nX-Evil: 1", "secretAccessKeySecretRef": {"name": "s", "key": "k"}}""",
        "config.accessKeyID is not an AWS access key id (upper-case letters and digits only")]
    [InlineData("""{"accessKeyID": "AKIA\u00c9XAMPLE0000000", "secretAccessKeySecretRef": {"name": "s", "key": "k"}}""",
        "config.accessKeyID is not an AWS access key id")]
    [InlineData("""{"accessKeyID": "AKIASHORT", "secretAccessKeySecretRef": {"name": "s", "key": "k"}}""", "config.accessKeyID is not an AWS access key id")]
    [InlineData("""{"hostedZoneID": ".."}""", "config.hostedZoneID is not a Route53 hosted zone id")]
    [InlineData("""{"hostedZoneID": "."}""", "config.hostedZoneID is not a Route53 hosted zone id")]
    [InlineData("""{"hostedZoneID": "/hostedzone/"}""", "config.hostedZoneID is not a Route53 hosted zone id")]
    [InlineData("""{"hostedZoneID": "ABC/../../x"}""", "config.hostedZoneID is not a Route53 hosted zone id")]
    [InlineData("""{"hostedZoneID": "Z1?x=1"}""", "config.hostedZoneID is not a Route53 hosted zone id")]
    [InlineData("""{"hostedZoneID": "z1"}""", "config.hostedZoneID is not a Route53 hosted zone id")]
    [InlineData("""{"region": "us-east-1\n"}""", "config.region is not an AWS region name")]
    [InlineData("""{"region": "eu-west-1.evil.example/x"}""", "config.region is not an AWS region name")]
    [InlineData("""{"role": "arn:aws:iam::1:role/r"}""", "config.role is not an IAM role ARN")]
    [InlineData("""{"role": "arn:aws:iam::222222222222:user/r"}""", "config.role is not an IAM role ARN")]
    [InlineData("""{"role": "arn:aws:iam::222222222222:role/r\r\nX: 1"}""", "config.role is not an IAM role ARN")]
    [InlineData("""{"accessKeyIDSecretRef": {"name": "../x", "key": "id"}, "secretAccessKeySecretRef": {"name": "s", "key": "k"}}""",
        "config.accessKeyIDSecretRef.name is not a Secret name")]
    [InlineData("""{"accessKeyIDSecretRef": {"name": "s", "key": "a/b"}, "secretAccessKeySecretRef": {"name": "s", "key": "k"}}""",
        "config.accessKeyIDSecretRef.key is not a Secret data key")]
    [InlineData("""{"accessKeyID": "AKIAIOSFODNN7EXAMPLE", "secretAccessKeySecretRef": {"name": "S", "key": "k"}}""",
        "config.secretAccessKeySecretRef.name is not a Secret name")]
    [InlineData("""{"role": "arn:aws:iam::222222222222:role/r", "auth": {"kubernetes": {"serviceAccountRef": {"name": "a b"}}}}""",
        "config.auth.kubernetes.serviceAccountRef.name is not a ServiceAccount name")]
    [InlineData("""{"role": "arn:aws:iam::222222222222:role/r", "auth": {"kubernetes": {"serviceAccountRef": {"name": "dns", "audiences": ["sts\r\n"]}}}}""",
        "config.auth.kubernetes.serviceAccountRef.audiences is not a list of token audiences")]
    [InlineData("""{"auth": {"kubernetes": {"serviceAccountRef": {"name": "dns", "audiences": [5]}}}, "role": "arn:aws:iam::222222222222:role/r"}""",
        "field \"auth.kubernetes.serviceAccountRef.audiences\" must be a list of strings, got a number at position 0")]
    [InlineData("""{"Region": "us-east-1"}""", "unknown field \"Region\" (did you mean \"region\"?)")]
    [InlineData("""{"auth": {"Kubernetes": {}}}""", "unknown field \"auth.Kubernetes\" (did you mean \"kubernetes\"?)")]
    public void AFieldOutsideItsFormatIsRefusedNamingTheFieldAndTheFormat(string json, string message)
    {
        var decode = () => Route53ConfigDecoder.Decode(System.Text.Json.JsonDocument.Parse(json).RootElement.Clone());

        decode.Should().Throw<SolverException>().Which.Message.Should().Contain(message).And.NotContain("X-Evil").And.NotContain("\n");
    }

    [Theory]
    [InlineData("""{"hostedZoneID": "Z0123456789ABC"}""")]
    [InlineData("""{"hostedZoneID": "/hostedzone/Z0123456789ABC"}""")]
    [InlineData("""{"region": "cn-northwest-1", "role": "arn:aws-cn:iam::123456789012:role/path/to/dns+manager@x"}""")]
    [InlineData("""{"accessKeyID": "AKIAIOSFODNN7EXAMPLE", "secretAccessKeySecretRef": {"name": "route53.credentials", "key": "secret_access-key.txt"}}""")]
    public void ValuesInTheirFormatsAreAccepted(string json)
    {
        var decode = () => Route53ConfigDecoder.Decode(System.Text.Json.JsonDocument.Parse(json).RootElement.Clone());

        decode.Should().NotThrow();
    }
}
