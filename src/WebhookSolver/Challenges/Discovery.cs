using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace WebhookSolver.Challenges;

/// <summary>
/// The discovery documents of an aggregated API server (meta/v1), written from KubernetesClient's models. Fields
/// the server leaves unset (serverAddressByClientCIDRs, shortNames, categories, ...) are left out, as
/// kube-apiserver leaves out empty optional fields.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.General, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(V1APIGroupList))]
[JsonSerializable(typeof(V1APIGroup))]
[JsonSerializable(typeof(V1APIResourceList))]
internal sealed partial class DiscoveryJsonContext : JsonSerializerContext
{
    public static DiscoveryJsonContext Wire { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.General)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
