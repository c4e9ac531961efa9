using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WebhookSolver.Kubernetes;

[JsonSourceGenerationOptions(JsonSerializerDefaults.General)]
[JsonSerializable(typeof(KubernetesStatus))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Status bodies keep quotes and apostrophes readable for kubectl and curl (the default encoder writes them
    /// as \u0022). These bodies are JSON for API clients, never HTML.
    /// </summary>
    public static KubernetesJsonContext Wire { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.General)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
