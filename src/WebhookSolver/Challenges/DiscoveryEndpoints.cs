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
        var groupVersion = new GroupVersionForDiscovery($"{group}/{Version}", Version);
        var apiGroup = new ApiGroup(group, [groupVersion], groupVersion);
        var resources = new ApiResourceList(groupVersion.GroupVersion,
        [
            new ApiResource(options.SolverName, options.SolverName, Namespaced: false, ChallengePayload.KindName, ["create"]),
        ]);

        Map(app, "/apis", new ApiGroupList([apiGroup]), ChallengeJsonContext.Wire.ApiGroupList);
        Map(app, $"/apis/{group}", apiGroup, ChallengeJsonContext.Wire.ApiGroup);
        Map(app, $"/apis/{group}/{Version}", resources, ChallengeJsonContext.Wire.ApiResourceList);
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
