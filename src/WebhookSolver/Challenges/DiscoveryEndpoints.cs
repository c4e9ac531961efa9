using k8s.Models;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Challenges;

/// <summary>
/// The discovery documents the aggregator and kubectl read. <c>/apis/&lt;group&gt;/v1alpha1</c> doubles as the
/// APIService availability probe, so it answers from memory and never touches AWS.
/// </summary>
internal static class DiscoveryEndpoints
{
    public const string Version = "v1alpha1";
    private static readonly string[] OtherVerbs = ["POST", "PUT", "PATCH", "DELETE"];

    public static WebApplication MapDiscovery(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ChallengeOptions>>().Value;
        var group = options.GroupName;
        var groupVersion = new V1GroupVersionForDiscovery { GroupVersion = $"{group}/{Version}", Version = Version };
        var apiGroup = new V1APIGroup
        {
            ApiVersion = "v1",
            Kind = "APIGroup",
            Name = group,
            Versions = [groupVersion],
            PreferredVersion = groupVersion,
        };
        var resources = new V1APIResourceList
        {
            ApiVersion = "v1",
            Kind = "APIResourceList",
            GroupVersion = groupVersion.GroupVersion,
            Resources =
            [
                new V1APIResource
                {
                    Name = options.SolverName,
                    SingularName = options.SolverName,
                    Namespaced = false,
                    Kind = ChallengePayload.KindName,
                    Verbs = ["create"],
                },
            ],
        };

        Map(app, "/apis", new V1APIGroupList { ApiVersion = "v1", Kind = "APIGroupList", Groups = [apiGroup] }, DiscoveryJsonContext.Wire.V1APIGroupList);
        Map(app, $"/apis/{group}", apiGroup, DiscoveryJsonContext.Wire.V1APIGroup);
        Map(app, $"/apis/{group}/{Version}", resources, DiscoveryJsonContext.Wire.V1APIResourceList);
        return app;
    }

    private static void Map<T>(WebApplication app, string path, T document, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        app.MapGet(path, (HttpRequest request) => AcceptsPlainJson(request)
                ? Results.Json(document, type)
                : KubernetesStatus.Result(StatusCodes.Status406NotAcceptable, "NotAcceptable",
                    "only application/json discovery documents are served; aggregated discovery (apidiscovery.k8s.io) is not"))
            .ExcludeFromDescription();
        app.MapMethodNotAllowed(path, OtherVerbs, "get");
    }

    /// <summary>
    /// True when the client takes a plain JSON document. Newer aggregators list the aggregated-discovery type
    /// first and plain JSON after it; only a client that accepts nothing but aggregated discovery gets 406, so
    /// that it falls back instead of caching a document of the wrong kind.
    /// </summary>
    internal static bool AcceptsPlainJson(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var mediaTypes) || mediaTypes.Count == 0)
        {
            return true;
        }

        return mediaTypes.Any(type =>
            type.Parameters.All(parameter => parameter.Name.Equals("q", StringComparison.OrdinalIgnoreCase)
                                             || parameter.Name.Equals("charset", StringComparison.OrdinalIgnoreCase))
            && (type.MatchesAllTypes || type.MediaType.Equals("application/*", StringComparison.OrdinalIgnoreCase)
                                     || type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)));
    }
}
