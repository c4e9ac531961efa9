using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace WebhookSolver.Testing;

/// <summary>
/// coordination.k8s.io/v1 Leases as kube-apiserver stores them: create, get, list (with a label selector), update and
/// delete, a resourceVersion that changes on every write, <c>409 AlreadyExists</c> for a second create, <c>409
/// Conflict</c> for an update or a delete precondition on a stale resourceVersion, <c>404</c>, <c>400</c> for a body
/// that does not match its URL and <c>422</c> for invalid fields; MicroTimes must have six fractional digits, as the
/// API server parses them. The API server never expires a Lease: readers judge that. Served by
/// <see cref="FakeKubernetesApi"/>.
/// </summary>
internal sealed partial class FakeLeases(TimeProvider? time = null)
{
    private const string Resource = "leases";
    private const string Group = "coordination.k8s.io";

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _leases = [];
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _resourceVersion = 1000;
    private int _writes;

    /// <summary>When set, every Lease call is answered 403, as without RBAC for leases.</summary>
    public bool Forbidden { get; set; }

    /// <summary>When set, every Lease call is answered 503 (the API server is unavailable).</summary>
    public bool Unavailable { get; set; }

    /// <summary>Successful creates and updates so far.</summary>
    public int Writes
    {
        get
        {
            lock (_lock)
            {
                return _writes;
            }
        }
    }

    /// <summary>The Leases of <paramref name="namespaceName"/> as stored, by name.</summary>
    public IReadOnlyDictionary<string, JsonObject> In(string namespaceName)
    {
        lock (_lock)
        {
            return _leases.Where(pair => pair.Key.Namespace == namespaceName)
                .ToDictionary(pair => pair.Key.Name, pair => (JsonObject)pair.Value.DeepClone(), StringComparer.Ordinal);
        }
    }

    /// <summary>Stores a Lease as another client would have written it (e.g. one left behind by a pod that was killed).</summary>
    public void Put(string namespaceName, string name, string holder, DateTimeOffset renewed, int durationSeconds, IReadOnlyDictionary<string, string> labels)
    {
        lock (_lock)
        {
            var lease = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["namespace"] = namespaceName,
                    ["labels"] = new JsonObject(labels.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value))),
                },
                ["spec"] = new JsonObject
                {
                    ["holderIdentity"] = holder,
                    ["leaseDurationSeconds"] = durationSeconds,
                    ["renewTime"] = renewed.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                },
            };
            Stamp(lease, null);
            _leases[(namespaceName, name)] = lease;
        }
    }

    [GeneratedRegex("^/apis/coordination.k8s.io/v1/namespaces/(?<ns>[^/]+)/leases(/(?<name>[^/]+))?$")]
    private static partial Regex LeasePath();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    /// <summary>metav1.MicroTime's wire format (RFC3339 with exactly six fractional digits).</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex MicroTime();

    /// <summary>The answer to a Lease call; null for any other path.</summary>
    public FakeResponse? Answer(RecordedRequest request)
    {
        if (LeasePath().Match(request.Path) is not { Success: true } match)
        {
            return null;
        }

        var ns = match.Groups["ns"].Value;
        var name = match.Groups["name"].Success ? match.Groups["name"].Value : null;
        if (Unavailable)
        {
            return KubernetesStatusBody.Failure(503, "ServiceUnavailable", "the server is currently unable to handle the request");
        }

        if (Forbidden)
        {
            var verb = (request.Method, name) switch
            {
                ("GET", null) => "list",
                ("GET", _) => "get",
                ("POST", _) => "create",
                ("PUT", _) => "update",
                ("DELETE", _) => "delete",
                _ => request.Method.ToLowerInvariant(),
            };
            return KubernetesStatusBody.Failure(403, "Forbidden",
                $"leases.coordination.k8s.io{(name is null ? "" : $" \"{name}\"")} is forbidden: User \"{FakeKubernetesApi.WebhookUser}\" cannot {verb} " +
                    $"resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"{ns}\"",
                new JsonObject { ["name"] = name, ["group"] = Group, ["kind"] = Resource });
        }

        lock (_lock)
        {
            return (request.Method, name) switch
            {
                ("GET", null) => List(ns, request.Query.GetValueOrDefault("labelSelector")),
                ("GET", { } one) => _leases.TryGetValue((ns, one), out var lease) ? Ok(lease) : NotFound(one),
                ("POST", null) => Create(ns, request.BodyText),
                ("PUT", { } one) => Update(ns, one, request.BodyText),
                ("DELETE", { } one) => Delete(ns, one, request.BodyText),
                _ => null,
            };
        }
    }

    private FakeResponse List(string ns, string? selector)
    {
        var requirements = (selector ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(requirement => requirement.Split('=', 2) is [var key, var value]
                ? (Key: key.TrimEnd('!'), Value: value.TrimStart('='), Equal: !key.EndsWith('!'))
                : throw new InvalidOperationException($"the fake understands only equality selectors, got '{requirement}'"))
            .ToList();
        var items = new JsonArray();
        foreach (var ((leaseNamespace, _), lease) in _leases.OrderBy(pair => pair.Key.Name, StringComparer.Ordinal))
        {
            var labels = lease["metadata"]?["labels"] as JsonObject;
            if (leaseNamespace == ns && requirements.All(r => ((string?)labels?[r.Key] == r.Value) == r.Equal))
            {
                // Items of a typed list carry no kind or apiVersion on the wire.
                var item = (JsonObject)lease.DeepClone();
                item.Remove("kind");
                item.Remove("apiVersion");
                items.Add(item);
            }
        }

        var list = new JsonObject
        {
            ["kind"] = "LeaseList",
            ["apiVersion"] = $"{Group}/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = items,
        };
        return new FakeResponse(200, list.ToJsonString());
    }

    private FakeResponse Create(string ns, string body)
    {
        if (Parse(body, ns, null, out var lease) is { } invalid)
        {
            return invalid;
        }

        var name = (string)lease["metadata"]!["name"]!;
        if (!string.IsNullOrEmpty((string?)lease["metadata"]!["resourceVersion"]))
        {
            return KubernetesStatusBody.Failure(400, "BadRequest", "resourceVersion should not be set on objects to be created");
        }

        if (_leases.ContainsKey((ns, name)))
        {
            return KubernetesStatusBody.Failure(409, "AlreadyExists", $"leases.coordination.k8s.io \"{name}\" already exists",
                new JsonObject { ["name"] = name, ["group"] = Group, ["kind"] = Resource });
        }

        Stamp(lease, null);
        _leases[(ns, name)] = lease;
        _writes++;
        return Ok(lease, 201);
    }

    private FakeResponse Update(string ns, string name, string body)
    {
        if (Parse(body, ns, name, out var lease) is { } invalid)
        {
            return invalid;
        }

        if (!_leases.TryGetValue((ns, name), out var stored))
        {
            return NotFound(name);
        }

        // Leases allow an unconditional update (no resourceVersion); a stale one is a conflict.
        var version = (string?)lease["metadata"]!["resourceVersion"];
        if (!string.IsNullOrEmpty(version) && version != (string?)stored["metadata"]!["resourceVersion"])
        {
            return Conflict(name);
        }

        Stamp(lease, stored);
        _leases[(ns, name)] = lease;
        _writes++;
        return Ok(lease);
    }

    private FakeResponse Delete(string ns, string name, string body)
    {
        if (!_leases.TryGetValue((ns, name), out var stored))
        {
            return NotFound(name);
        }

        if (body.Length > 0 && JsonNode.Parse(body)?["preconditions"] is JsonObject preconditions)
        {
            var version = (string?)preconditions["resourceVersion"];
            var uid = (string?)preconditions["uid"];
            if ((version is not null && version != (string?)stored["metadata"]!["resourceVersion"])
                || (uid is not null && uid != (string?)stored["metadata"]!["uid"]))
            {
                return Conflict(name);
            }
        }

        _leases.Remove((ns, name));
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = new JsonObject { ["name"] = name, ["group"] = Group, ["kind"] = Resource, ["uid"] = (string?)stored["metadata"]!["uid"] },
        };
        return new FakeResponse(200, status.ToJsonString());
    }

    /// <summary>The body as a Lease for <paramref name="ns"/>/<paramref name="urlName"/>, or the API server's refusal.</summary>
    private static FakeResponse? Parse(string body, string ns, string? urlName, out JsonObject lease)
    {
        lease = null!;
        JsonObject? parsed;
        try
        {
            parsed = JsonNode.Parse(body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            parsed = null;
        }

        if (parsed is null || (string?)parsed["apiVersion"] != $"{Group}/v1" || (string?)parsed["kind"] != "Lease"
            || parsed["metadata"] is not JsonObject metadata)
        {
            return KubernetesStatusBody.Failure(400, "BadRequest", "the body must be a coordination.k8s.io/v1 Lease with metadata");
        }

        var name = (string?)metadata["name"];
        if (urlName is not null && name != urlName)
        {
            return KubernetesStatusBody.Failure(400, "BadRequest", $"the name of the object ({name}) does not match the name on the URL ({urlName})");
        }

        if ((string?)metadata["namespace"] is { } bodyNamespace && bodyNamespace != ns)
        {
            return KubernetesStatusBody.Failure(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
        }

        if (string.IsNullOrEmpty(name) || name.Length > 253 || !DnsSubdomain().IsMatch(name))
        {
            return Invalid(name ?? "", "metadata.name", "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'");
        }

        var spec = parsed["spec"] as JsonObject;
        if (spec?["leaseDurationSeconds"] is { } duration && (int)duration <= 0)
        {
            return Invalid(name, "spec.leaseDurationSeconds", "must be greater than 0");
        }

        foreach (var field in new[] { "acquireTime", "renewTime" })
        {
            if (spec?[field] is { } value && (value.GetValueKind() != System.Text.Json.JsonValueKind.String || !MicroTime().IsMatch((string)value!)))
            {
                return KubernetesStatusBody.Failure(400, "BadRequest", $"Lease in version \"v1\" cannot be handled as a Lease: spec.{field}: parsing time " +
                    $"\"{value.ToJsonString()}\" as \"2006-01-02T15:04:05.000000Z07:00\"");
            }
        }

        metadata["namespace"] = ns;
        lease = parsed;
        return null;
    }

    /// <summary>Server-set metadata: a new resourceVersion; uid and creationTimestamp kept from <paramref name="stored"/> or made.</summary>
    private void Stamp(JsonObject lease, JsonObject? stored)
    {
        var metadata = (JsonObject)lease["metadata"]!;
        metadata["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
        metadata["uid"] = (string?)stored?["metadata"]?["uid"] ?? Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = (string?)stored?["metadata"]?["creationTimestamp"]
            ?? _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        lease["kind"] = "Lease";
        lease["apiVersion"] = $"{Group}/v1";
    }

    private static FakeResponse Ok(JsonObject lease, int status = 200) => new(status, lease.ToJsonString());

    private static FakeResponse NotFound(string name) =>
        KubernetesStatusBody.Failure(404, "NotFound", $"leases.coordination.k8s.io \"{name}\" not found",
            new JsonObject { ["name"] = name, ["group"] = Group, ["kind"] = Resource });

    private static FakeResponse Conflict(string name) =>
        KubernetesStatusBody.Failure(409, "Conflict",
            $"Operation cannot be fulfilled on leases.coordination.k8s.io \"{name}\": the object has been modified; please apply your changes to " +
                "the latest version and try again",
            new JsonObject { ["name"] = name, ["group"] = Group, ["kind"] = Resource });

    private static FakeResponse Invalid(string name, string field, string detail) =>
        KubernetesStatusBody.Failure(422, "Invalid", $"Lease.coordination.k8s.io \"{name}\" is invalid: {field}: Invalid value: {detail}",
            new JsonObject { ["name"] = name, ["group"] = Group, ["kind"] = "Lease" });
}
