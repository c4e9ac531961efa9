using System.Text.Json.Serialization;

namespace WebhookSolver.Credentials;

/// <summary>
/// The credential fields of the Issuer's <c>webhook.config</c>, with cert-manager's <c>dns01.route53</c> JSON names.
/// The solver's config extends it, so the credential chain reads these without knowing the rest of the config.
/// </summary>
internal record CredentialConfig
{
    [JsonPropertyName("region")]
    public string? Region { get; init; }

    [JsonPropertyName("accessKeyID")]
    public string? AccessKeyID { get; init; }

    [JsonPropertyName("accessKeyIDSecretRef")]
    public SecretKeySelector? AccessKeyIDSecretRef { get; init; }

    [JsonPropertyName("secretAccessKeySecretRef")]
    public SecretKeySelector? SecretAccessKeySecretRef { get; init; }

    [JsonPropertyName("role")]
    public string? Role { get; init; }

    [JsonPropertyName("auth")]
    public Route53Auth? Auth { get; init; }
}

internal sealed record SecretKeySelector
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("key")]
    public string? Key { get; init; }
}

internal sealed record Route53Auth
{
    [JsonPropertyName("kubernetes")]
    public Route53KubernetesAuth? Kubernetes { get; init; }
}

internal sealed record Route53KubernetesAuth
{
    [JsonPropertyName("serviceAccountRef")]
    public ServiceAccountRef? ServiceAccountRef { get; init; }
}

internal sealed record ServiceAccountRef
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("audiences")]
    public IReadOnlyList<string>? Audiences { get; init; }
}
