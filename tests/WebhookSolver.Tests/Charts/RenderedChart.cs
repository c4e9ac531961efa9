using k8s;
using k8s.Models;

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
        foreach (var document in ChartFiles.Documents(manifests))
        {
            var head = KubernetesYaml.Deserialize<KubernetesObject>(document);
            if (head is null)
            {
                continue;
            }

            Kinds.Should().ContainKey($"{head.ApiVersion}/{head.Kind}", "every rendered kind has a model to be read into");
        }

        return new RenderedChart(release, @namespace, KubernetesYaml.LoadAllFromString(manifests, Kinds.ToDictionary(), strict: true));
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
