using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace WebhookSolver.Credentials;

/// <summary>
/// The pod's own AWS identity through AWSSDK.Core's default chain: environment variables, shared config and
/// credentials files (<c>AWS_PROFILE</c>), IRSA, EKS Pod Identity / container credentials, EC2 instance metadata.
/// The resolver caches the winning source and each source refreshes its own temporary credentials.
/// </summary>
internal sealed class AmbientCredentials : IDisposable
{
    private readonly DefaultAWSCredentialsIdentityResolver _resolver = new();

    public async Task<ImmutableCredentials> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            var source = await _resolver.ResolveIdentityAsync(null, cancellationToken).ConfigureAwait(false);
            var credentials = await source.GetCredentialsAsync().ConfigureAwait(false);
            return credentials is { AccessKey.Length: > 0 }
                ? credentials
                : throw new SolverException("ambient credentials: the pod's AWS credential source returned an empty access key");
        }
        catch (Exception e) when (e is not SolverException && !cancellationToken.IsCancellationRequested)
        {
            throw new SolverException(
                "ambient credentials are allowed but none could be loaded from the webhook's pod: " +
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, mount a shared credentials file, " +
                "or use IRSA, EKS Pod Identity or the node's instance profile (AWS_EC2_METADATA_DISABLED must then be unset). " +
                $"The AWS SDK reported: {OneLine(e.Message)}", e);
        }
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public void Dispose() => _resolver.Dispose();
}
