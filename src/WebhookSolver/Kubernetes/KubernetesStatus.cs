using System.Text.Json.Serialization;

namespace WebhookSolver.Kubernetes;

/// <summary>A meta/v1 Status: the body of every error the aggregator and kubectl understand.</summary>
internal sealed record KubernetesStatus
{
    [JsonPropertyName("kind")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; init; }

    [JsonPropertyName("apiVersion")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApiVersion { get; init; }

    [JsonPropertyName("metadata")]
    public StatusMetadata Metadata { get; init; } = new();

    [JsonPropertyName("status")]
    public string Status { get; init; } = "Failure";

    [JsonPropertyName("message")]
    public string Message { get; init; } = "";

    [JsonPropertyName("reason")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    [JsonPropertyName("code")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Code { get; init; }

    /// <summary>The embedded form cert-manager expects inside a ChallengeResponse.</summary>
    public static KubernetesStatus SolverFailure(string message) => new() { Message = message };

    /// <summary>A top-level Status for an HTTP error answer.</summary>
    public static KubernetesStatus HttpFailure(int code, string reason, string message) => new()
    {
        Kind = "Status",
        ApiVersion = "v1",
        Message = message,
        Reason = reason,
        Code = code,
    };

    /// <summary>Writes this Status as the whole answer, with its code as the HTTP status.</summary>
    public static IResult Result(int code, string reason, string message) =>
        TypedResults.Json(HttpFailure(code, reason, message), KubernetesJsonContext.Wire.KubernetesStatus, statusCode: code);
}

internal sealed record StatusMetadata;
