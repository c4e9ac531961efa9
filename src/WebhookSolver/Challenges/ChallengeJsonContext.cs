using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Challenges;

[JsonSourceGenerationOptions(JsonSerializerDefaults.General)]
[JsonSerializable(typeof(ChallengePayload))]
[JsonSerializable(typeof(KubernetesStatus))]
internal sealed partial class ChallengeJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context every answer is written with: quotes and apostrophes in messages stay readable for kubectl and
    /// curl (the default encoder writes them as \u0022). These bodies are JSON for API clients, never HTML.
    /// </summary>
    public static ChallengeJsonContext Wire { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.General)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
