using System.Text.Json.Nodes;
using WebhookSolver.Challenges;

namespace WebhookSolver.Solver;

/// <summary>
/// <see cref="Route53Config"/> described for <c>/openapi/v2</c>: the fields <see cref="Route53ConfigDecoder"/> accepts,
/// with the meaning cert-manager's route53 block gives them, and an example config it decodes.
/// </summary>
internal static class Route53ConfigSchema
{
    private static readonly IReadOnlyList<ConfigField> SecretKeySelector =
    [
        new("name", "the Secret's name, in request.resourceNamespace"),
        new("key", "the key in the Secret's data"),
    ];

    public static SolverConfigDescription Description { get; } = new(
        "the fields of cert-manager's built-in route53 block",
        [
            new("region", "AWS region: the partition Route53 is signed for and the regional STS endpoint (e.g. us-east-1); the pod's " +
                "AWS_REGION wins for ambient credentials"),
            new("hostedZoneID", "the hosted zone to write to (e.g. Z0123456789EXAMPLE); unset: found from resolvedZone with ListHostedZonesByName"),
            new("accessKeyID", "a literal access key id; not together with accessKeyIDSecretRef"),
            new("accessKeyIDSecretRef", "a Secret key holding the access key id", "object", SecretKeySelector),
            new("secretAccessKeySecretRef", "a Secret key holding the secret access key", "object", SecretKeySelector),
            new("role", "an IAM role ARN to assume with the credentials above (cross-account), or with auth.kubernetes"),
            new("auth", "credentials from a ServiceAccount token exchanged with STS (needs role)", "object",
            [
                new("kubernetes", "Kubernetes ServiceAccount authentication", "object",
                [
                    new("serviceAccountRef", "the ServiceAccount, in request.resourceNamespace, whose token is exchanged", "object",
                    [
                        new("name", "the ServiceAccount's name"),
                        new("audiences", "token audiences; default [\"sts.amazonaws.com\"]", "array"),
                    ]),
                ]),
            ]),
        ],
        // Ambient credentials (allowAmbientCredentials in the example request) and a zone: a Present that is answered
        // 201 whatever the credentials of the machine it runs on.
        new JsonObject
        {
            ["region"] = "us-east-1",
            ["hostedZoneID"] = "Z0123456789EXAMPLE",
        });
}
