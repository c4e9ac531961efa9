using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace WebhookSolver.Credentials;

/// <summary>
/// The pod's own AWS identity through AWSSDK.Core's default chain: environment variables, shared config and
/// credentials files (<c>AWS_PROFILE</c>), IRSA, EKS Pod Identity / container credentials, EC2 instance metadata.
/// The resolver caches the winning source and each source refreshes its own temporary credentials. When the
/// <c>AWS</c> configuration section names a profile (<c>AWS:Profile</c>, <c>AWS:ProfilesLocation</c>), that
/// profile is the source, resolved by <see cref="AWSOptions.GetCredentials"/>.
/// </summary>
internal sealed class AmbientCredentials(AWSOptions aws) : IDisposable
{
    private readonly DefaultAWSCredentialsIdentityResolver _resolver = new();

    /// <summary>A failed lookup (e.g. a profile not written yet) is tried again on the next challenge.</summary>
    private readonly Lazy<AWSCredentials>? _profile = string.IsNullOrWhiteSpace(aws.Profile)
        ? null
        : new Lazy<AWSCredentials>(aws.GetCredentials, LazyThreadSafetyMode.PublicationOnly);

    public async Task<ImmutableCredentials> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            var source = _profile?.Value ?? await _resolver.ResolveIdentityAsync(null, cancellationToken).ConfigureAwait(false);
            var credentials = await source.GetCredentialsAsync().ConfigureAwait(false);
            return credentials is { AccessKey.Length: > 0 }
                ? credentials
                : throw new SolverException("ambient credentials: the pod's AWS credential source returned an empty access key");
        }
        catch (Exception e) when (e is not SolverException && !cancellationToken.IsCancellationRequested)
        {
            throw new SolverException(AmbientSources.FromProcess().Explain(e), e);
        }
    }

    public void Dispose() => _resolver.Dispose();
}
