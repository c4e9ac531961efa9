using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Testing;

/// <summary>A ServiceAccount TokenRequest as the API server received it.</summary>
internal sealed record TokenRequestCall(string Namespace, string ServiceAccount, IReadOnlyList<string> Audiences, long? ExpirationSeconds);

/// <summary>
/// The slice of the Kubernetes API the credential chain uses — <c>GET</c> of Secrets and <c>POST</c> of
/// ServiceAccount TokenRequests, with the API server's JSON shapes and its <c>Status</c> bodies for 404 and 403 —
/// and the replicas' <see cref="FakeLeases"/>. Any other call fails the test.
/// </summary>
internal sealed partial class FakeKubernetesApi : IAsyncDisposable
{
    public const string WebhookUser = "system:serviceaccount:cert-manager:cert-manager-webhook-route53";

    private readonly ConcurrentDictionary<(string Namespace, string Name), IReadOnlyDictionary<string, string>> _secrets = new();
    private readonly ConcurrentDictionary<(string Namespace, string Name), string> _serviceAccounts = new();
    private readonly ConcurrentDictionary<(string Verb, string Resource, string Namespace, string Name), bool> _forbidden = new();
    private readonly ConcurrentQueue<TokenRequestCall> _tokenRequests = new();
    private readonly ConcurrentQueue<(string Namespace, string Name)> _secretReads = new();
    private FakeHttpServer _server = null!;

    private FakeKubernetesApi(TimeProvider? time) => Leases = new FakeLeases(time);

    /// <param name="time">the API server's clock (Lease creation timestamps)</param>
    public static async Task<FakeKubernetesApi> StartAsync(TimeProvider? time = null)
    {
        var api = new FakeKubernetesApi(time);
        api._server = await FakeHttpServer.StartAsync("fake Kubernetes API", api.Answer);
        return api;
    }

    public Uri BaseAddress => _server.BaseAddress;

    public FakeLeases Leases { get; }

    /// <summary>Also serve the authentication ConfigMap and SubjectAccessReviews, as one API server does.</summary>
    public FakeKubernetesAuthorization? Authorization { get; set; }

    public IReadOnlyList<TokenRequestCall> TokenRequests => [.. _tokenRequests];

    public IReadOnlyList<(string Namespace, string Name)> SecretReads => [.. _secretReads];

    public IReadOnlyList<RecordedRequest> Requests => _server.Requests;

    public KubernetesApi Client() => new(new KubernetesClientConfiguration { Host = BaseAddress.ToString() });

    public void AddSecret(string namespaceName, string name, IReadOnlyDictionary<string, string> data) =>
        _secrets[(namespaceName, name)] = data;

    /// <summary>A ServiceAccount whose TokenRequests are answered with <paramref name="token"/>.</summary>
    public void AddServiceAccount(string namespaceName, string name, string token) => _serviceAccounts[(namespaceName, name)] = token;

    /// <summary>RBAC denies the webhook <paramref name="verb"/> on that object (the API answers 403).</summary>
    public void Forbid(string verb, string resource, string namespaceName, string name) => _forbidden[(verb, resource, namespaceName, name)] = true;

    [GeneratedRegex("^/api/v1/namespaces/(?<ns>[^/]+)/secrets/(?<name>[^/]+)$")]
    private static partial Regex SecretPath();

    [GeneratedRegex("^/api/v1/namespaces/(?<ns>[^/]+)/serviceaccounts/(?<name>[^/]+)/token$")]
    private static partial Regex TokenPath();

    private FakeResponse? Answer(RecordedRequest request)
    {
        if (Leases.Answer(request) is { } lease)
        {
            return lease;
        }

        if (Authorization?.Answer(request) is { } authorization)
        {
            return authorization;
        }

        if (request.Method == "GET" && SecretPath().Match(request.Path) is { Success: true } secret)
        {
            var (ns, name) = (secret.Groups["ns"].Value, secret.Groups["name"].Value);
            _secretReads.Enqueue((ns, name));
            if (_forbidden.ContainsKey(("get", "secrets", ns, name)))
            {
                return Forbidden("get", "secrets", ns, name);
            }

            if (!_secrets.TryGetValue((ns, name), out var data))
            {
                return NotFound("secrets", name);
            }

            var json = new JsonObject
            {
                ["kind"] = "Secret",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["uid"] = Guid.NewGuid().ToString(), ["resourceVersion"] = "4711" },
                ["type"] = "Opaque",
                ["data"] = new JsonObject(data.Select(pair =>
                    KeyValuePair.Create(pair.Key, (JsonNode?)JsonValue.Create(Convert.ToBase64String(Encoding.UTF8.GetBytes(pair.Value)))))),
            };
            return new FakeResponse(200, json.ToJsonString());
        }

        if (request.Method == "POST" && TokenPath().Match(request.Path) is { Success: true } token)
        {
            var (ns, name) = (token.Groups["ns"].Value, token.Groups["name"].Value);
            using var body = JsonDocument.Parse(request.Body);
            var root = body.RootElement;
            if (root.GetProperty("kind").GetString() != "TokenRequest"
                || root.GetProperty("apiVersion").GetString() != "authentication.k8s.io/v1")
            {
                return Status(400, "BadRequest", "the body of a token request must be an authentication.k8s.io/v1 TokenRequest");
            }

            var spec = root.GetProperty("spec");
            var audiences = spec.TryGetProperty("audiences", out var list)
                ? list.EnumerateArray().Select(a => a.GetString()!).ToArray()
                : [];
            long? expiration = spec.TryGetProperty("expirationSeconds", out var seconds) ? seconds.GetInt64() : null;
            _tokenRequests.Enqueue(new TokenRequestCall(ns, name, audiences, expiration));

            if (_forbidden.ContainsKey(("create", "serviceaccounts/token", ns, name)))
            {
                return Forbidden("create", "serviceaccounts/token", ns, name);
            }

            if (!_serviceAccounts.TryGetValue((ns, name), out var issued))
            {
                return NotFound("serviceaccounts", name);
            }

            var response = new JsonObject
            {
                ["kind"] = "TokenRequest",
                ["apiVersion"] = "authentication.k8s.io/v1",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = null },
                ["spec"] = JsonNode.Parse(spec.GetRawText()),
                ["status"] = new JsonObject
                {
                    ["token"] = issued,
                    ["expirationTimestamp"] = DateTimeOffset.UtcNow.AddSeconds(expiration ?? 3600).ToString("yyyy-MM-ddTHH:mm:ssZ",
                        System.Globalization.CultureInfo.InvariantCulture),
                },
            };
            return new FakeResponse(201, response.ToJsonString());
        }

        return null;
    }

    private static FakeResponse NotFound(string resource, string name) =>
        Status(404, "NotFound", $"{resource} \"{name}\" not found", new JsonObject { ["name"] = name, ["kind"] = resource });

    private static FakeResponse Forbidden(string verb, string resource, string namespaceName, string name) =>
        Status(403, "Forbidden",
            $"{resource.Split('/')[0]} \"{name}\" is forbidden: User \"{WebhookUser}\" cannot {verb} resource \"{resource}\" in API group \"\" in the " +
                $"namespace \"{namespaceName}\"",
            new JsonObject { ["name"] = name, ["kind"] = resource.Split('/')[0] });

    private static FakeResponse Status(int code, string reason, string message, JsonObject? details = null) =>
        KubernetesStatusBody.Failure(code, reason, message, details);

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
