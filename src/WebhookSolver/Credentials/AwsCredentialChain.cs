using Amazon.Runtime;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Credentials;

/// <summary>
/// The credential chain of docs/design/credentials.md: ServiceAccount token → AssumeRoleWithWebIdentity; static keys
/// from the config or Secrets in <c>resourceNamespace</c>; the pod's ambient identity when allowed; then
/// AssumeRole for <c>role</c>. STS results are cached per configuration.
/// </summary>
internal sealed partial class AwsCredentialChain(
    KubernetesResources kubernetes,
    SecurityTokenService sts,
    AmbientCredentials ambient,
    StsCredentialCache cache,
    AwsEnvironment environment,
    ILogger<AwsCredentialChain> logger) : ICredentialSource
{
    public static readonly IReadOnlyList<string> DefaultAudiences = ["sts.amazonaws.com"];

    /// <summary>What cert-manager's built-in solver asks for; the token only has to outlive one STS call.</summary>
    public const long TokenExpirationSeconds = 600;

    private sealed record WebIdentityKey(string Namespace, string ServiceAccount, string Audiences, string Role, string Region, Uri Endpoint);

    private sealed record AssumeRoleKey(string SourceFingerprint, string Role, string Region, Uri Endpoint);

    public async ValueTask<AwsIdentity> GetAsync(CredentialRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = request.Config;
        ArgumentNullException.ThrowIfNull(config);
        var plan = CredentialPlan.For(config, request.AllowAmbientCredentials, environment);
        var namespaceName = request.ResourceNamespace;

        var credentials = plan.Source switch
        {
            CredentialSourceKind.ServiceAccountToken => await WebIdentityAsync(namespaceName, config, plan, cancellationToken).ConfigureAwait(false),
            CredentialSourceKind.StaticKeys => await StaticKeysAsync(namespaceName, config, cancellationToken).ConfigureAwait(false),
            _ => AwsFormats.Checked(await ambient.GetAsync(cancellationToken).ConfigureAwait(false), "the pod's ambient AWS credentials"),
        };

        if (plan.Sts == StsCall.AssumeRole)
        {
            var role = config.Role!;
            var key = new AssumeRoleKey(CredentialFingerprint.Of(credentials), role, plan.Region!, plan.StsEndpoint!);
            var source = credentials;
            var (assumed, cached) = await cache.GetAsync(
                key,
                token => sts.AssumeRoleAsync(source, role, plan.Region!, plan.StsEndpoint!, token),
                cancellationToken).ConfigureAwait(false);
            LogAssumedRole(namespaceName, plan.Source, role, plan.StsEndpoint!, cached);
            credentials = assumed.Credentials;
        }

        LogResolved(namespaceName, plan.Source, plan.Sts, plan.Region ?? "(none: standard partition)");
        return new AwsIdentity(credentials, plan.Region);
    }

    private async Task<ImmutableCredentials> WebIdentityAsync(
        string namespaceName, CredentialConfig config, CredentialPlan plan, CancellationToken cancellationToken)
    {
        var reference = config.Auth!.Kubernetes!.ServiceAccountRef!;
        var serviceAccount = reference.Name!;
        var audiences = reference.Audiences is { Count: > 0 } given ? given : DefaultAudiences;
        var role = config.Role!;
        var key = new WebIdentityKey(namespaceName, serviceAccount, string.Join('\n', audiences), role, plan.Region!, plan.StsEndpoint!);
        var (result, cached) = await cache.GetAsync(
            key,
            async token =>
            {
                var webIdentityToken = await kubernetes.CreateServiceAccountTokenAsync(
                    namespaceName, serviceAccount, audiences, TokenExpirationSeconds, token).ConfigureAwait(false);
                return await sts.AssumeRoleWithWebIdentityAsync(webIdentityToken, role, plan.Region!, plan.StsEndpoint!, token)
                    .ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        LogAssumedRoleWithWebIdentity(namespaceName, serviceAccount, role, plan.StsEndpoint!, cached);
        return result.Credentials;
    }

    /// <summary>Read on every challenge, so a rotated Secret takes effect at once.</summary>
    private async Task<ImmutableCredentials> StaticKeysAsync(string namespaceName, CredentialConfig config, CancellationToken cancellationToken)
    {
        var secretRef = config.SecretAccessKeySecretRef!;
        var secret = await kubernetes.ReadSecretAsync(namespaceName, secretRef.Name!, cancellationToken).ConfigureAwait(false);
        var secretAccessKey = KubernetesResources.SecretValue(secret, secretRef.Name!, secretRef.Key!);
        if (!AwsFormats.IsSecretAccessKey(secretAccessKey))
        {
            throw new SolverException(
                $"the value at key \"{secretRef.Key}\" of Secret \"{secretRef.Name}\" (secretAccessKeySecretRef) is not an AWS secret access key " +
                $"({AwsFormats.SecretAccessKeyRule})");
        }

        string accessKeyId;
        if (config.AccessKeyIDSecretRef is { Name: { } idSecret, Key: { } idKey })
        {
            var holder = idSecret == secretRef.Name
                ? secret
                : await kubernetes.ReadSecretAsync(namespaceName, idSecret, cancellationToken).ConfigureAwait(false);
            accessKeyId = KubernetesResources.SecretValue(holder, idSecret, idKey);
            if (!AwsFormats.IsAccessKeyId(accessKeyId))
            {
                throw new SolverException(
                    $"the value at key \"{idKey}\" of Secret \"{idSecret}\" (accessKeyIDSecretRef) is not an AWS access key id ({AwsFormats.AccessKeyIdRule})");
            }
        }
        else
        {
            accessKeyId = config.AccessKeyID!;
        }

        return new ImmutableCredentials(accessKeyId, secretAccessKey, null);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug,
        Message = "AWS credentials for namespace {Namespace}: source {Source}, STS {Sts}, region {Region}")]
    private partial void LogResolved(string @namespace, CredentialSourceKind source, StsCall sts, string region);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug,
        Message = "Assumed role {Role} on {Source} credentials for namespace {Namespace} via {Endpoint} (cached: {Cached})")]
    private partial void LogAssumedRole(string @namespace, CredentialSourceKind source, string role, Uri endpoint, bool cached);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug,
        Message = "Assumed role {Role} with the token of ServiceAccount {Namespace}/{ServiceAccount} via {Endpoint} (cached: {Cached})")]
    private partial void LogAssumedRoleWithWebIdentity(string @namespace, string serviceAccount, string role, Uri endpoint, bool cached);
}
