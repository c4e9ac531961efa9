using Amazon.Runtime;

namespace WebhookSolver.Credentials;

/// <summary>The AWS identity one challenge acts with, and the region that picks the partition.</summary>
/// <param name="Credentials">resolved keys (never logged)</param>
/// <param name="Region">null when neither config nor environment names one: Route53 then uses the standard partition</param>
internal sealed record AwsIdentity(ImmutableCredentials Credentials, string? Region);

/// <summary>What the credential chain needs of one challenge.</summary>
/// <param name="ResourceNamespace">the namespace Secrets and ServiceAccounts are read in (the Issuer's; cert-manager's for a ClusterIssuer)</param>
/// <param name="AllowAmbientCredentials">whether the pod's own AWS identity may be used</param>
/// <param name="Config">the credential fields of the decoded config</param>
internal sealed record CredentialRequest(string ResourceNamespace, bool AllowAmbientCredentials, CredentialConfig Config);

/// <summary>
/// Turns a challenge's credential request into AWS credentials (the chain of docs/design/credentials.md).
/// Throws <see cref="SolverException"/> with a message the user can act on.
/// </summary>
internal interface ICredentialSource
{
    ValueTask<AwsIdentity> GetAsync(CredentialRequest request, CancellationToken cancellationToken);
}
