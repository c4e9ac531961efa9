using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Testing;

/// <summary>One SubjectAccessReview as the fake API received it (its spec, in the wire JSON).</summary>
internal sealed record ReceivedReview(JsonObject Spec)
{
    public string? User => (string?)Spec["user"];

    public IReadOnlyList<string> Groups => Spec["groups"]?.AsArray().Select(g => (string)g!).ToList() ?? [];

    public JsonObject? ResourceAttributes => Spec["resourceAttributes"] as JsonObject;

    public JsonObject? NonResourceAttributes => Spec["nonResourceAttributes"] as JsonObject;
}

/// <summary>
/// The slice of the Kubernetes API the security layer uses: <c>GET</c> of the
/// <c>kube-system/extension-apiserver-authentication</c> ConfigMap and <c>POST</c> of SubjectAccessReviews, with
/// the real JSON shapes and the API's own validation (422 for a review without a user or with both or neither
/// attribute kinds). Anything else is an unexpected call and fails the test.
/// </summary>
internal sealed class FakeKubernetesAuthorization : IAsyncDisposable
{
    public const string ConfigMapPath = "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication";
    public const string ReviewPath = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

    private readonly ConcurrentQueue<ReceivedReview> _reviews = new();
    private FakeHttpServer _server = null!;

    private FakeKubernetesAuthorization()
    {
    }

    /// <summary>The ConfigMap's data; null answers 404.</summary>
    public Dictionary<string, string>? ConfigMapData { get; set; }

    /// <summary>When set, the ConfigMap GET is answered with this status (e.g. 403: the RoleBinding is missing).</summary>
    public int? ConfigMapStatus { get; set; }

    /// <summary>Decides each review: (allowed, reason). Default: deny everything.</summary>
    public Func<ReceivedReview, (bool Allowed, string Reason)> Policy { get; set; } = _ => (false, "");

    /// <summary>When set, reviews are answered with this status and a Status body (the API is failing).</summary>
    public int? ReviewStatus { get; set; }

    /// <summary>How long each review answer takes (a slow API).</summary>
    public TimeSpan ReviewDelay { get; set; }

    public IReadOnlyList<ReceivedReview> Reviews => [.. _reviews];

    public int ConfigMapReads { get; private set; }

    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>
    /// The same fake without a server of its own: another fake's server passes it the calls (one API server that
    /// answers reviews and Leases, as the benchmark's replicas need). <see cref="BaseAddress"/> is not set.
    /// </summary>
    public static FakeKubernetesAuthorization Unserved() => new();

    public static async Task<FakeKubernetesAuthorization> StartAsync()
    {
        var fake = new FakeKubernetesAuthorization();
        fake._server = await FakeHttpServer.StartAsync("fake Kubernetes API", fake.Answer);
        return fake;
    }

    /// <summary>A real Kubernetes client pointed at this fake.</summary>
    public KubernetesApi CreateClient() => new(new KubernetesClientConfiguration { Host = BaseAddress.ToString().TrimEnd('/') });

    /// <summary>The ConfigMap as a cluster with aggregation enabled publishes it (lists are JSON strings).</summary>
    public static Dictionary<string, string> AuthenticationConfigMap(string caPem, params string[] allowedNames) => new()
    {
        ["client-ca-file"] = caPem,
        ["requestheader-client-ca-file"] = caPem,
        ["requestheader-allowed-names"] = JsonSerializer.Serialize(allowedNames),
        ["requestheader-username-headers"] = """["X-Remote-User"]""",
        ["requestheader-group-headers"] = """["X-Remote-Group"]""",
        ["requestheader-extra-headers-prefix"] = """["X-Remote-Extra-"]""",
    };

    /// <summary>The answer to a ConfigMap read or a SubjectAccessReview; null for any other call.</summary>
    public FakeResponse? Answer(RecordedRequest request)
    {
        if (request.Method == "GET" && request.Path == ConfigMapPath)
        {
            ConfigMapReads++;
            if (ConfigMapStatus is { } status)
            {
                return Failure(status, status == 403 ? "Forbidden" : "InternalError",
                    "configmaps \"extension-apiserver-authentication\" is forbidden: User \"system:serviceaccount:cert-manager:webhook\" cannot get resource " +
                        "\"configmaps\" in API group \"\" in the namespace \"kube-system\"");
            }

            if (ConfigMapData is null)
            {
                return Failure(404, "NotFound", "configmaps \"extension-apiserver-authentication\" not found");
            }

            var configMap = new JsonObject
            {
                ["kind"] = "ConfigMap",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject
                {
                    ["name"] = "extension-apiserver-authentication",
                    ["namespace"] = "kube-system",
                    ["resourceVersion"] = "4711",
                },
                ["data"] = new JsonObject(ConfigMapData.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)JsonValue.Create(pair.Value)))),
            };
            return new FakeResponse(200, configMap.ToJsonString());
        }

        if (request.Method == "POST" && request.Path == ReviewPath)
        {
            return Review(request);
        }

        return null;
    }

    private FakeResponse Review(RecordedRequest request)
    {
        if (ReviewStatus is { } failing)
        {
            return Failure(failing, "ServiceUnavailable", "the server is currently unable to handle the request");
        }

        var body = JsonNode.Parse(request.BodyText)!.AsObject();
        if ((string?)body["apiVersion"] != "authorization.k8s.io/v1" || (string?)body["kind"] != "SubjectAccessReview"
            || body["spec"] is not JsonObject spec)
        {
            return Failure(400, "BadRequest", "expected an authorization.k8s.io/v1 SubjectAccessReview with a spec");
        }

        var review = new ReceivedReview(spec);
        if (string.IsNullOrEmpty(review.User) && review.Groups.Count == 0)
        {
            return Failure(422, "Invalid",
                "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified");
        }

        if ((review.ResourceAttributes is null) == (review.NonResourceAttributes is null))
        {
            return Failure(422, "Invalid", "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: exactly one of " +
                "nonResourceAttributes or resourceAttributes must be specified");
        }

        _reviews.Enqueue(review);
        var (allowed, reason) = Policy(review);
        body["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        body["status"] = new JsonObject { ["allowed"] = allowed, ["reason"] = reason.Length == 0 ? null : reason };
        if (reason.Length == 0)
        {
            body["status"]!.AsObject().Remove("reason");
        }

        return new FakeResponse(201, body.ToJsonString()) { Delay = ReviewDelay };
    }

    private static FakeResponse Failure(int code, string reason, string message) => KubernetesStatusBody.Failure(code, reason, message);

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
