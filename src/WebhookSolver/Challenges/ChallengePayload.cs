using System.Text.Json;
using System.Text.Json.Serialization;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Challenges;

/// <summary>
/// The object cert-manager POSTs to an external DNS01 solver, and the object it reads back
/// (webhook.acme.cert-manager.io/v1alpha1 ChallengePayload).
/// </summary>
internal sealed record ChallengePayload
{
    public const string GroupVersion = "webhook.acme.cert-manager.io/v1alpha1";
    public const string KindName = "ChallengePayload";

    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; init; }

    [JsonPropertyName("kind")]
    public string? Kind { get; init; }

    [JsonPropertyName("request")]
    public ChallengeRequest? Request { get; init; }

    [JsonPropertyName("response")]
    public ChallengeResponse? Response { get; init; }
}

/// <summary>One DNS01 challenge, exactly as cert-manager describes it.</summary>
internal sealed record ChallengeRequest
{
    [JsonPropertyName("uid")]
    public string Uid { get; init; } = "";

    [JsonPropertyName("action")]
    public string Action { get; init; } = "";

    [JsonPropertyName("type")]
    public string Type { get; init; } = "";

    [JsonPropertyName("dnsName")]
    public string DnsName { get; init; } = "";

    [JsonPropertyName("key")]
    public string Key { get; init; } = "";

    [JsonPropertyName("resourceNamespace")]
    public string ResourceNamespace { get; init; } = "";

    [JsonPropertyName("resolvedFQDN")]
    public string ResolvedFQDN { get; init; } = "";

    [JsonPropertyName("resolvedZone")]
    public string ResolvedZone { get; init; } = "";

    [JsonPropertyName("allowAmbientCredentials")]
    public bool AllowAmbientCredentials { get; init; }

    /// <summary>The Issuer's <c>webhook.config</c>, passed through untouched; absent when the Issuer sets none.</summary>
    [JsonPropertyName("config")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Config { get; init; }

    /// <summary>Fields a newer cert-manager may add: kept so the echo loses nothing.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed record ChallengeResponse
{
    [JsonPropertyName("uid")]
    public string Uid { get; init; } = "";

    [JsonPropertyName("success")]
    public bool Success { get; init; }

    /// <summary>cert-manager names this field <c>Result</c> in Go and <c>status</c> on the wire.</summary>
    [JsonPropertyName("status")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public KubernetesStatus? Result { get; init; }
}

/// <summary>The two actions cert-manager sends, spelled exactly as it spells them.</summary>
internal static class ChallengeAction
{
    public const string Present = "Present";
    public const string CleanUp = "CleanUp";
}
