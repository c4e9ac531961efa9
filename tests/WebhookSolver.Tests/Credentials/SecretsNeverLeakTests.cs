using WebhookSolver.Challenges;
using WebhookSolver.Credentials;
using WebhookSolver.Testing;

using static WebhookSolver.Tests.Credentials.CredentialTestData;

namespace WebhookSolver.Tests.Credentials;

public class SecretsNeverLeakTests
{
    private const string PlantedKeyId = "AKIAPLANTEDKEYID0001";
    private const string PlantedSecret = "planted-secret-access-key-7f3a9c";
    private const string PlantedToken = "eyJplanted.service-account-token.4b1d";
    private const string RejectedToken = "eyJplanted.rejected-token.9e2c";

    [Fact]
    public async Task NoSecretValueOrTokenAppearsInLogsOrErrorsInAnyMode()
    {
        await using var harness = await ChainHarness.StartAsync();
        harness.Kubernetes.AddSecret(Namespace, "aws", new Dictionary<string, string> { ["id"] = PlantedKeyId, ["secret"] = PlantedSecret });
        harness.Kubernetes.AddSecret(Namespace, "half", new Dictionary<string, string> { ["id"] = PlantedKeyId });
        harness.Kubernetes.AddServiceAccount(Namespace, "dns", PlantedToken);
        harness.Kubernetes.AddServiceAccount(Namespace, "rejected", RejectedToken);
        harness.Kubernetes.AddServiceAccount(Namespace, "other-role", PlantedToken);
        harness.Sts.AcceptWebIdentityToken(PlantedToken);
        harness.Sts.AllowRole(Role);
        const string keys = """ "accessKeyIDSecretRef": {"name": "aws", "key": "id"}, "secretAccessKeySecretRef": {"name": "aws", "key": "secret"} """;

        string[] configs =
        [
            """{"region": "eu-west-1", "role": "arn:aws:iam::222222222222:role/dns-manager", "auth": {"kubernetes": {"serviceAccountRef": {"name": "dns"}}}}""",
            """{"region": "eu-west-1", "role": "arn:aws:iam::222222222222:role/dns-manager", "auth": {"kubernetes": """ +
                """{"serviceAccountRef": {"name": "rejected"}}}}""",
            """{"region": "eu-west-1", "role": "arn:aws:iam::222222222222:role/denied", "auth": {"kubernetes": """ +
                """{"serviceAccountRef": {"name": "other-role"}}}}""",
            $$"""{ {{keys}} }""",
            $$"""{ {{keys}}, "region": "eu-west-1", "role": "arn:aws:iam::222222222222:role/dns-manager" }""",
            $$"""{ {{keys}}, "region": "eu-west-1", "role": "arn:aws:iam::222222222222:role/denied" }""",
            """{"accessKeyIDSecretRef": {"name": "half", "key": "id"}, "secretAccessKeySecretRef": {"name": "half", "key": "secret"}}""",
            $$$"""{"accessKeyID": "{{{PlantedKeyId}}}", "secretAccessKeySecretRef": {"name": "missing", "key": "secret"}}""",
            $$"""{"accessKeyID": "{{PlantedKeyId}}"}""",
            """{"region": "eu-west-1"}""",
        ];

        var outputs = new List<string>();
        var successes = 0;
        foreach (var config in configs)
        {
            try
            {
                await harness.Chain.GetAsync(Request(config), CancellationToken.None);
                successes++;
            }
            catch (SolverException e)
            {
                outputs.Add(e.ToString());
            }
        }

        outputs.AddRange(harness.Logs.Lines());
        successes.Should().Be(3);
        outputs.Should().HaveCountGreaterThan(configs.Length - 3, "every failure and every success leaves text to inspect");
        string[] planted =
            [PlantedKeyId, PlantedSecret, PlantedToken, RejectedToken, .. harness.Sts.Issued.SelectMany(i => new[] { i.SecretAccessKey, i.SessionToken })];
        foreach (var text in outputs)
        {
            foreach (var value in planted)
            {
                text.Should().NotContain(value);
            }
        }
    }
}
