using System.Text.Json.Serialization;

namespace WebhookSolver.Challenges;

// The discovery documents of an aggregated API server (meta/v1). Field names are Kubernetes'.

internal sealed record ApiGroupList(
    [property: JsonPropertyName("groups")] IReadOnlyList<ApiGroup> Groups)
{
    [JsonPropertyName("kind")] public string Kind { get; } = "APIGroupList";
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; } = "v1";
}

internal sealed record ApiGroup(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("versions")] IReadOnlyList<GroupVersionForDiscovery> Versions,
    [property: JsonPropertyName("preferredVersion")] GroupVersionForDiscovery PreferredVersion)
{
    [JsonPropertyName("kind")] public string Kind { get; } = "APIGroup";
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; } = "v1";
}

internal sealed record GroupVersionForDiscovery(
    [property: JsonPropertyName("groupVersion")] string GroupVersion,
    [property: JsonPropertyName("version")] string Version);

internal sealed record ApiResourceList(
    [property: JsonPropertyName("groupVersion")] string GroupVersion,
    [property: JsonPropertyName("resources")] IReadOnlyList<ApiResource> Resources)
{
    [JsonPropertyName("kind")] public string Kind { get; } = "APIResourceList";
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; } = "v1";
}

internal sealed record ApiResource(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("singularName")] string SingularName,
    [property: JsonPropertyName("namespaced")] bool Namespaced,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("verbs")] IReadOnlyList<string> Verbs);
