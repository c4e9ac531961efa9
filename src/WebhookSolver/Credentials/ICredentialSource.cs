using Amazon.Runtime;
using WebhookSolver.Challenges;

namespace WebhookSolver.Credentials;

/// <summary>The AWS identity one challenge acts with, and the region that picks the partition.</summary>
/// <param name="Credentials">resolved keys (never logged)</param>
/// <param name="Region">null when neither config nor environment names one: Route53 then uses the standard partition</param>
public sealed record AwsIdentity(ImmutableCredentials Credentials, string? Region);

/// <summary>
/// Turns a challenge and its decoded config into AWS credentials (the chain of <c>credentials.md</c>).
/// Throws <see cref="SolverException"/> with a message the user can act on.
/// </summary>
public interface ICredentialSource
{
    ValueTask<AwsIdentity> GetAsync(ChallengeRequest request, Route53Config config, CancellationToken cancellationToken);
}
