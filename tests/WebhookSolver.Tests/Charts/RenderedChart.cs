using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using YamlDotNet.Serialization;

namespace WebhookSolver.Tests.Charts;

/// <summary>
/// One rendering of the chart, every document read strictly (an unknown field is an error) into the
/// KubernetesClient model of its apiVersion and kind, or into the CRD models of <see cref="ChartModels"/>.
/// </summary>
internal sealed class RenderedChart
{
    public static readonly IReadOnlyDictionary<string, Type> Kinds = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        ["v1/Service"] = typeof(V1Service),
        ["v1/ServiceAccount"] = typeof(V1ServiceAccount),
        ["v1/ConfigMap"] = typeof(V1ConfigMap),
        ["apps/v1/Deployment"] = typeof(V1Deployment),
        ["policy/v1/PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["networking.k8s.io/v1/NetworkPolicy"] = typeof(V1NetworkPolicy),
        ["rbac.authorization.k8s.io/v1/Role"] = typeof(V1Role),
        ["rbac.authorization.k8s.io/v1/RoleBinding"] = typeof(V1RoleBinding),
        ["rbac.authorization.k8s.io/v1/ClusterRole"] = typeof(V1ClusterRole),
        ["rbac.authorization.k8s.io/v1/ClusterRoleBinding"] = typeof(V1ClusterRoleBinding),
        ["apiregistration.k8s.io/v1/APIService"] = typeof(V1APIService),
        ["cert-manager.io/v1/Issuer"] = typeof(CertManagerIssuer),
        ["cert-manager.io/v1/Certificate"] = typeof(CertManagerCertificate),
        ["monitoring.coreos.com/v1/ServiceMonitor"] = typeof(ServiceMonitor),
        ["monitoring.coreos.com/v1/PrometheusRule"] = typeof(PrometheusRule),
    };

    private RenderedChart(string release, string @namespace, IReadOnlyList<object> objects)
    {
        Release = release;
        Namespace = @namespace;
        Objects = objects;
    }

    public string Release { get; }

    public string Namespace { get; }

    public IReadOnlyList<object> Objects { get; }

    public static RenderedChart Render(string release, string @namespace, string? valuesYaml = null, params string[] args)
    {
        var result = ChartRenderer.Template(release, @namespace, valuesYaml, args);
        result.ExitCode.Should().Be(0, $"{ChartRenderer.Name} template renders the chart: {result.Error}");
        return Read(release, @namespace, result.Output);
    }

    /// <summary>Reads rendered manifests strictly; an apiVersion/kind without a model is an error too.</summary>
    public static RenderedChart Read(string release, string @namespace, string manifests)
    {
        var objects = new List<object>();
        foreach (var document in ChartFiles.Documents(manifests))
        {
            var json = YamlAsJson(document);
            if (json is null)
            {
                continue;
            }

            var head = JsonSerializer.Deserialize<KubernetesObject>(json, Lenient)!;
            var key = $"{head.ApiVersion}/{head.Kind}";
            Kinds.Should().ContainKey(key, "every rendered kind has a model to be read into");
            objects.Add(JsonSerializer.Deserialize(json, Kinds[key], Strict)!);
        }

        return new RenderedChart(release, @namespace, objects);
    }

    /// <summary>The model's fields and nothing else, as the API server's strict field validation reads a manifest.</summary>
    private static readonly JsonSerializerOptions Strict = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new IntOrStringConverter(), new QuantityConverter() },
    };

    private static readonly JsonSerializerOptions Lenient = new();

    /// <summary>
    /// One YAML document as JSON, with YAML's own scalar types (an unquoted 8443 is a number, a quoted one a
    /// string); null for an empty document.
    /// </summary>
    private static string? YamlAsJson(string document)
    {
        var graph = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize(new StringReader(document));
        return graph is null ? null : new SerializerBuilder().JsonCompatible().Build().Serialize(graph);
    }

    /// <summary>A port or percentage: a JSON number or string.</summary>
    private sealed class IntOrStringConverter : JsonConverter<IntOrString>
    {
        public override IntOrString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Number ? (IntOrString)reader.GetInt32() : (IntOrString)reader.GetString()!;

        public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
    }

    /// <summary>A resource quantity (<c>128Mi</c>, <c>0.5</c>): a JSON string or number.</summary>
    private sealed class QuantityConverter : JsonConverter<ResourceQuantity>
    {
        public override ResourceQuantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(reader.TokenType == JsonTokenType.Number ? reader.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture) : reader.GetString());

        public override void Write(Utf8JsonWriter writer, ResourceQuantity value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Single<T>() => Objects.OfType<T>().Should().ContainSingle($"one {typeof(T).Name} is rendered").Subject;

    public T Named<T>(string name)
        where T : class => Objects.OfType<T>().Should().ContainSingle(o => MetadataOf(o).Name == name, $"one {typeof(T).Name} is named {name}").Subject;

    public static V1ObjectMeta MetadataOf(object o) => o switch
    {
        IMetadata<V1ObjectMeta> k => k.Metadata,
        CertManagerIssuer i => i.Metadata,
        CertManagerCertificate c => c.Metadata,
        ServiceMonitor s => s.Metadata,
        PrometheusRule p => p.Metadata,
        _ => throw new InvalidOperationException("no metadata on " + o.GetType().Name),
    };

    public static string KindOf(object o) => o switch
    {
        IKubernetesObject k => k.Kind,
        CertManagerIssuer => "Issuer",
        CertManagerCertificate => "Certificate",
        ServiceMonitor => "ServiceMonitor",
        PrometheusRule => "PrometheusRule",
        _ => o.GetType().Name,
    };
}
