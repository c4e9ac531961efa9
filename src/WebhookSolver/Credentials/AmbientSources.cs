using Amazon.Runtime;

namespace WebhookSolver.Credentials;

/// <summary>
/// Which of the AWS default chain's sources the webhook's pod sets up, in the chain's order, read from the same
/// variables and files the SDK reads. Explains a failed ambient lookup from what is configured, not from the SDK's
/// exception text (several paragraphs of provider internals, some of it about sources nobody configured).
/// </summary>
/// <param name="EnvironmentKeys"><c>AWS_ACCESS_KEY_ID</c> is set</param>
/// <param name="WebIdentityRole"><c>AWS_ROLE_ARN</c> (IRSA); null when unset</param>
/// <param name="Profile">the shared-file profile in use (<c>AWS_PROFILE</c>, else <c>default</c>)</param>
/// <param name="SharedFiles">a shared credentials or config file exists</param>
/// <param name="ContainerCredentials"><c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c> or <c>..._RELATIVE_URI</c> (EKS Pod Identity, ECS)</param>
/// <param name="InstanceMetadataDisabled"><c>AWS_EC2_METADATA_DISABLED=true</c></param>
internal sealed record AmbientSources(
    bool EnvironmentKeys,
    string? WebIdentityRole,
    string Profile,
    bool SharedFiles,
    bool ContainerCredentials,
    bool InstanceMetadataDisabled)
{
    public static AmbientSources FromProcess() => From(Environment.GetEnvironmentVariable, File.Exists);

    internal static AmbientSources From(Func<string, string?> variable, Func<string, bool> fileExists)
    {
        string? Set(string name) => string.IsNullOrWhiteSpace(variable(name)) ? null : variable(name)!.Trim();

        var home = Set("HOME") ?? Set("USERPROFILE") ?? "";
        var credentialsFile = Set("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(home, ".aws", "credentials");
        var configFile = Set("AWS_CONFIG_FILE") ?? Path.Combine(home, ".aws", "config");
        return new AmbientSources(
            Set("AWS_ACCESS_KEY_ID") is not null,
            Set("AWS_ROLE_ARN"),
            Set("AWS_PROFILE") ?? "default",
            fileExists(credentialsFile) || fileExists(configFile),
            Set("AWS_CONTAINER_CREDENTIALS_FULL_URI") is not null || Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is not null,
            string.Equals(Set("AWS_EC2_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>One line: the source that failed and its fix, or every source tried when none is set up.</summary>
    public string Explain(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var cause = failure is AmazonServiceException { ErrorCode: { Length: > 0 } code } ? $"{failure.GetType().Name}: {code}" : failure.GetType().Name;
        if (EnvironmentKeys)
        {
            return $"ambient credentials: AWS_ACCESS_KEY_ID is set in the webhook's pod but the keys could not be used ({cause}); set " +
                "AWS_SECRET_ACCESS_KEY beside it";
        }

        if (WebIdentityRole is not null)
        {
            return $"ambient credentials: IRSA role {WebIdentityRole} could not be assumed ({cause}); its trust policy must allow " +
                "sts:AssumeRoleWithWebIdentity "
                   + "for the webhook's ServiceAccount, and AWS_WEB_IDENTITY_TOKEN_FILE must be mounted";
        }

        if (ContainerCredentials)
        {
            return $"ambient credentials: EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI) gave no credentials ({cause}); check the Pod Identity "
                   + "association of the webhook's ServiceAccount and that eks-pod-identity-agent runs on the node";
        }

        var metadata = InstanceMetadataDisabled ? "instance metadata (off: AWS_EC2_METADATA_DISABLED=true)" : "instance metadata (no instance role)";
        var profile = SharedFiles ? $"shared files (profile {Profile} gave none)" : "shared files (none)";
        return $"ambient credentials are allowed but the webhook's pod has none: tried environment variables, {profile}, IRSA, EKS Pod Identity, "
               + $"{metadata}. Give the webhook's ServiceAccount an IAM role with IRSA or EKS Pod Identity";
    }
}
