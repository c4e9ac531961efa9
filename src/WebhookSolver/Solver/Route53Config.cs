using System.Text.Json.Serialization;
using WebhookSolver.Credentials;

namespace WebhookSolver.Solver;

/// <summary>
/// The Issuer's <c>webhook.config</c>: the same fields, with the same JSON names, as cert-manager's built-in
/// <c>dns01.route53</c> block, so an Issuer moves to this webhook by moving that block.
/// </summary>
/// <remarks>The credential fields are <see cref="CredentialConfig"/>'s; this adds what only the solver reads.</remarks>
internal sealed record Route53Config : CredentialConfig
{
    [JsonPropertyName("hostedZoneID")]
    public string? HostedZoneID { get; init; }
}
