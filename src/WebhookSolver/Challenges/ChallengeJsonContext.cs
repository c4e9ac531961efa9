using System.Text.Json;
using System.Text.Json.Serialization;

namespace WebhookSolver.Challenges;

[JsonSourceGenerationOptions(JsonSerializerDefaults.General)]
[JsonSerializable(typeof(ChallengePayload))]
[JsonSerializable(typeof(KubernetesStatus))]
[JsonSerializable(typeof(ApiGroupList))]
[JsonSerializable(typeof(ApiGroup))]
[JsonSerializable(typeof(ApiResourceList))]
[JsonSerializable(typeof(string))]
internal sealed partial class ChallengeJsonContext : JsonSerializerContext;
