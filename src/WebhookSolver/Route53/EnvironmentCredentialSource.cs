using Amazon.Runtime;
using WebhookSolver.Challenges;
using WebhookSolver.Credentials;

namespace WebhookSolver.Route53;

/// <summary>
/// Temporary stand-in until the credential chain of <c>credentials.md</c> is registered: the process's
/// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and the config's region or AWS_REGION.
/// Registered with TryAdd, so the real <see cref="ICredentialSource"/> replaces it.
/// </summary>
internal sealed class EnvironmentCredentialSource : ICredentialSource
{
    public ValueTask<AwsIdentity> GetAsync(ChallengeRequest request, Route53Config config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var accessKey = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secretKey = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            throw new SolverException("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the webhook's environment");
        }

        var region = config.Region is { Length: > 0 } configured ? configured : Environment.GetEnvironmentVariable("AWS_REGION");
        var token = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
        return ValueTask.FromResult(new AwsIdentity(new ImmutableCredentials(accessKey, secretKey, string.IsNullOrEmpty(token) ? null : token), region));
    }
}
