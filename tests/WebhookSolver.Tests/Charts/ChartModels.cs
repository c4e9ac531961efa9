using System.Text.Json.Serialization;
using k8s.Models;

namespace WebhookSolver.Tests.Charts;

// The custom resources the chart renders, with the fields of their CRDs (cert-manager.io/v1 and
// monitoring.coreos.com/v1) that a chart like this may set: a strict read refuses any other field, so a typo
// or a field of another version fails the test instead of the install.

internal sealed class CertManagerIssuer
{
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public IssuerSpec Spec { get; set; } = new();
}

internal sealed class IssuerSpec
{
    [JsonPropertyName("selfSigned")] public SelfSignedIssuer? SelfSigned { get; set; }
    [JsonPropertyName("ca")] public CaIssuer? Ca { get; set; }
}

internal sealed class SelfSignedIssuer
{
    [JsonPropertyName("crlDistributionPoints")] public IList<string>? CrlDistributionPoints { get; set; }
}

internal sealed class CaIssuer
{
    [JsonPropertyName("secretName")] public string? SecretName { get; set; }
    [JsonPropertyName("crlDistributionPoints")] public IList<string>? CrlDistributionPoints { get; set; }
    [JsonPropertyName("ocspServers")] public IList<string>? OcspServers { get; set; }
}

internal sealed class CertManagerCertificate
{
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public CertificateSpec Spec { get; set; } = new();
}

internal sealed class CertificateSpec
{
    [JsonPropertyName("secretName")] public string? SecretName { get; set; }
    [JsonPropertyName("commonName")] public string? CommonName { get; set; }
    [JsonPropertyName("duration")] public string? Duration { get; set; }
    [JsonPropertyName("renewBefore")] public string? RenewBefore { get; set; }
    [JsonPropertyName("dnsNames")] public IList<string>? DnsNames { get; set; }
    [JsonPropertyName("ipAddresses")] public IList<string>? IpAddresses { get; set; }
    [JsonPropertyName("isCA")] public bool? IsCA { get; set; }
    [JsonPropertyName("usages")] public IList<string>? Usages { get; set; }
    [JsonPropertyName("issuerRef")] public IssuerReference IssuerRef { get; set; } = new();
    [JsonPropertyName("privateKey")] public CertificatePrivateKey? PrivateKey { get; set; }
    [JsonPropertyName("revisionHistoryLimit")] public int? RevisionHistoryLimit { get; set; }
}

internal sealed class IssuerReference
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("group")] public string? Group { get; set; }
}

internal sealed class CertificatePrivateKey
{
    [JsonPropertyName("algorithm")] public string? Algorithm { get; set; }
    [JsonPropertyName("encoding")] public string? Encoding { get; set; }
    [JsonPropertyName("size")] public int? Size { get; set; }
    [JsonPropertyName("rotationPolicy")] public string? RotationPolicy { get; set; }
}

internal sealed class ServiceMonitor
{
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ServiceMonitorSpec Spec { get; set; } = new();
}

internal sealed class ServiceMonitorSpec
{
    [JsonPropertyName("jobLabel")] public string? JobLabel { get; set; }
    [JsonPropertyName("targetLabels")] public IList<string>? TargetLabels { get; set; }
    [JsonPropertyName("podTargetLabels")] public IList<string>? PodTargetLabels { get; set; }
    [JsonPropertyName("selector")] public V1LabelSelector Selector { get; set; } = new();
    [JsonPropertyName("namespaceSelector")] public NamespaceSelector? NamespaceSelector { get; set; }
    [JsonPropertyName("endpoints")] public IList<ServiceMonitorEndpoint> Endpoints { get; set; } = [];
    [JsonPropertyName("sampleLimit")] public long? SampleLimit { get; set; }
}

internal sealed class NamespaceSelector
{
    [JsonPropertyName("any")] public bool? Any { get; set; }
    [JsonPropertyName("matchNames")] public IList<string>? MatchNames { get; set; }
}

internal sealed class ServiceMonitorEndpoint
{
    [JsonPropertyName("port")] public string? Port { get; set; }
    [JsonPropertyName("targetPort")] public IntOrString? TargetPort { get; set; }
    [JsonPropertyName("path")] public string? Path { get; set; }
    [JsonPropertyName("scheme")] public string? Scheme { get; set; }
    [JsonPropertyName("interval")] public string? Interval { get; set; }
    [JsonPropertyName("scrapeTimeout")] public string? ScrapeTimeout { get; set; }
    [JsonPropertyName("honorLabels")] public bool? HonorLabels { get; set; }
}

internal sealed class PrometheusRule
{
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public PrometheusRuleSpec Spec { get; set; } = new();
}

internal sealed class PrometheusRuleSpec
{
    [JsonPropertyName("groups")] public IList<RuleGroup> Groups { get; set; } = [];
}

internal sealed class RuleGroup
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("interval")] public string? Interval { get; set; }
    [JsonPropertyName("rules")] public IList<Rule> Rules { get; set; } = [];
}

internal sealed class Rule
{
    [JsonPropertyName("alert")] public string? Alert { get; set; }
    [JsonPropertyName("record")] public string? Record { get; set; }
    [JsonPropertyName("expr")] public string Expr { get; set; } = "";
    [JsonPropertyName("for")] public string? For { get; set; }
    [JsonPropertyName("keep_firing_for")] public string? KeepFiringFor { get; set; }
    [JsonPropertyName("labels")] public IDictionary<string, string>? Labels { get; set; }
    [JsonPropertyName("annotations")] public IDictionary<string, string>? Annotations { get; set; }
}
