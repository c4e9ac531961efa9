using Amazon;

namespace WebhookSolver.Credentials;

/// <summary>Where the base credentials come from (first match wins, docs/design/credentials.md).</summary>
internal enum CredentialSourceKind
{
    /// <summary>A TokenRequest for <c>auth.kubernetes.serviceAccountRef</c>, exchanged with STS.</summary>
    ServiceAccountToken,

    /// <summary><c>accessKeyID</c>/<c>accessKeyIDSecretRef</c> with <c>secretAccessKeySecretRef</c>.</summary>
    StaticKeys,

    /// <summary>The pod's AWS default chain (environment, shared files, IRSA, Pod Identity, instance metadata).</summary>
    Ambient,
}

/// <summary>The STS call the webhook itself makes (IRSA's call is made by the SDK's default chain).</summary>
internal enum StsCall
{
    None,
    AssumeRole,
    AssumeRoleWithWebIdentity,
}

/// <summary>
/// The decision table of docs/design/credentials.md as a pure function: config × allowAmbientCredentials × environment →
/// credential source, STS call, region and STS endpoint — or the error the user sees.
/// </summary>
/// <param name="Region">signing region of the identity; null: Route53 uses the standard partition</param>
/// <param name="StsEndpoint">set exactly when <paramref name="Sts"/> is not <see cref="StsCall.None"/></param>
internal sealed record CredentialPlan(CredentialSourceKind Source, StsCall Sts, string? Region, Uri? StsEndpoint)
{
    /// <summary>The role session name the built-in solver uses; CloudTrail filters rely on it.</summary>
    public const string RoleSessionName = "cert-manager";

    /// <summary>cert-manager's wording first; then why, and the fix for a namespaced Issuer (the usual case).</summary>
    public const string EmptyCredentialsMessage =
        "empty credentials; perhaps you meant to enable ambient credentials? The config names no AWS credentials and " +
        "allowAmbientCredentials is false (for Issuers unless cert-manager runs with --issuer-ambient-credentials): " +
        "reference a Secret with accessKeyIDSecretRef and secretAccessKeySecretRef";

    /// <exception cref="SolverException">ambient credentials are needed but not allowed, or STS is needed without a region</exception>
    public static CredentialPlan For(CredentialConfig config, bool allowAmbientCredentials, AwsEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(environment);

        CredentialSourceKind source;
        if (config.Auth?.Kubernetes?.ServiceAccountRef is not null)
        {
            source = CredentialSourceKind.ServiceAccountToken;
        }
        else if (HasAccessKeyID(config) && HasSecretAccessKey(config))
        {
            source = CredentialSourceKind.StaticKeys;
        }
        else if (allowAmbientCredentials)
        {
            source = CredentialSourceKind.Ambient;
        }
        else
        {
            throw new SolverException(EmptyCredentialsMessage);
        }

        var sts = source == CredentialSourceKind.ServiceAccountToken ? StsCall.AssumeRoleWithWebIdentity
            : config.Role is not null ? StsCall.AssumeRole
            : StsCall.None;

        if (config.Region is { } configured && !IsRegionName(configured))
        {
            throw new SolverException($"region \"{configured}\" is not an AWS region name; use one like us-east-1 or eu-central-1");
        }

        var region = ResolveRegion(config.Region, source == CredentialSourceKind.Ambient, environment);
        if (region is not null && !IsRegionName(region))
        {
            throw new SolverException(
                "the AWS region from the webhook's environment (AWS_REGION, AWS_DEFAULT_REGION or the shared config profile) " +
                $"is not an AWS region name ({AwsFormats.RegionRule})");
        }

        Uri? endpoint = null;
        if (sts != StsCall.None)
        {
            if (region is null)
            {
                throw new SolverException(
                    "no AWS region for STS, which is regional and needed for " +
                    (sts == StsCall.AssumeRole ? "role" : "auth.kubernetes.serviceAccountRef") +
                    ": set \"region\" in the solver config (e.g. us-east-1), or AWS_REGION in the webhook's pod");
            }

            endpoint = environment.StsEndpointOverride ?? RegionalStsEndpoint(region);
        }

        return new CredentialPlan(source, sts, region, endpoint);
    }

    /// <summary>
    /// The region rules: for ambient credentials the pod's <c>AWS_REGION</c>/<c>AWS_DEFAULT_REGION</c> win over
    /// <c>config.region</c> (IRSA and Pod Identity inject them); otherwise the config wins; then the environment,
    /// then the shared config profile.
    /// </summary>
    public static string? ResolveRegion(string? configRegion, bool ambient, AwsEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (ambient && environment.EnvironmentRegion is { } fromEnvironment)
        {
            return fromEnvironment;
        }

        return configRegion ?? environment.EnvironmentRegion ?? environment.ProfileRegion;
    }

    /// <summary><c>https://sts.&lt;region&gt;.&lt;partition DNS suffix&gt;</c> (<c>amazonaws.com.cn</c> in China, and so on).</summary>
    public static Uri RegionalStsEndpoint(string region)
    {
        var suffix = RegionEndpoint.GetBySystemName(region).PartitionDnsSuffix;
        if (string.IsNullOrEmpty(suffix))
        {
            suffix = "amazonaws.com";
        }

        return new Uri($"https://sts.{region}.{suffix}");
    }

    private static bool IsRegionName(string region) => AwsFormats.IsRegion(region);

    internal static bool HasAccessKeyID(CredentialConfig config) =>
        config.AccessKeyID is not null || config.AccessKeyIDSecretRef?.Name is not null;

    internal static bool HasSecretAccessKey(CredentialConfig config) => config.SecretAccessKeySecretRef?.Name is not null;
}
