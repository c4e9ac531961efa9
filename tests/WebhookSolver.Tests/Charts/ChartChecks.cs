using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;

namespace WebhookSolver.Tests.Charts;

/// <summary>
/// What the API server, cert-manager and prometheus-operator would refuse or leave dangling in a rendering: names
/// over their limits, duplicates, and references (selectors, ports, Secrets, roles, subjects, certificates) that
/// point at nothing the chart created.
/// </summary>
internal static partial class ChartChecks
{
    /// <summary>Roles and ClusterRoles that Kubernetes itself provides.</summary>
    private static readonly HashSet<string> BuiltInRoles = ["kube-system/extension-apiserver-authentication-reader", "system:auth-delegator"];

    /// <param name="externalServiceAccount">a ServiceAccount that exists outside the chart (serviceAccount.create=false)</param>
    /// <param name="callers">ServiceAccounts outside the chart that bindings may name, as namespace/name</param>
    public static IReadOnlyList<string> Problems(RenderedChart chart, IReadOnlySet<string> callers, string? externalServiceAccount = null)
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        foreach (var duplicate in chart.Objects.GroupBy(Identity).Where(g => g.Count() > 1))
        {
            problems.Add($"{duplicate.Key} is rendered {duplicate.Count()} times: the install fails on \"already exists\"");
        }

        foreach (var o in chart.Objects)
        {
            CheckNames(o, Check);
        }

        var deployment = chart.Single<V1Deployment>();
        var pod = deployment.Spec.Template;
        var podLabels = pod.Metadata.Labels;
        var container = pod.Spec.Containers.Should().ContainSingle().Subject;
        var containerPorts = container.Ports ?? [];
        var service = chart.Single<V1Service>();
        var certificates = chart.All<CertManagerCertificate>().ToList();
        var issuers = chart.All<CertManagerIssuer>().ToList();

        Check(Subset(deployment.Spec.Selector.MatchLabels, podLabels), "the Deployment's selector does not match its pod template");
        Check(Subset(service.Spec.Selector, podLabels), "the Service's selector does not select the Deployment's pods");
        Check(deployment.Metadata.NamespaceProperty == chart.Namespace && service.Metadata.NamespaceProperty == chart.Namespace,
            "the Deployment and the Service are in the release namespace");
        foreach (var port in service.Spec.Ports)
        {
            Check(PortExists(port.TargetPort, containerPorts), $"Service port {port.Name} targets {port.TargetPort}, which the container does not expose");
        }

        var args = (container.Args ?? []).Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('='))
            .ToDictionary(a => a[2..a.IndexOf('=', StringComparison.Ordinal)], a => a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..],
                StringComparer.Ordinal);
        Check(args.TryGetValue("secure-port", out var securePort) && containerPorts.Any(p => p.Name == "https" && p.ContainerPort.ToString(Inv) == securePort),
            "--secure-port is the container's https port");
        var metricsPort = containerPorts.SingleOrDefault(p => p.Name == "metrics");
        Check(args.GetValueOrDefault("metrics-port") == (metricsPort?.ContainerPort.ToString(Inv) ?? "0"),
            "--metrics-port is the container's metrics port, or 0 without one");
        foreach (var probe in new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe }.Where(p => p is not null))
        {
            Check(PortExists(probe!.HttpGet.Port, containerPorts), $"a probe uses port {probe.HttpGet.Port}, which the container does not expose");
        }

        var volumes = pod.Spec.Volumes ?? [];
        foreach (var mount in container.VolumeMounts ?? [])
        {
            Check(volumes.Any(v => v.Name == mount.Name), $"volume mount {mount.Name} has no volume");
        }

        foreach (var secretVolume in volumes.Where(v => v.Secret is not null))
        {
            Check(certificates.Any(c => c.Spec.SecretName == secretVolume.Secret.SecretName),
                $"volume {secretVolume.Name} mounts Secret {secretVolume.Secret.SecretName}, which no Certificate of the chart writes");
        }

        var serviceAccounts = chart.All<V1ServiceAccount>().Select(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Name}").ToHashSet();
        var podServiceAccount = $"{chart.Namespace}/{pod.Spec.ServiceAccountName}";
        Check(serviceAccounts.Contains(podServiceAccount) || pod.Spec.ServiceAccountName == externalServiceAccount,
            $"the pods run as {podServiceAccount}, which the chart neither creates nor was told exists");

        // The APIService routes to the Service; the cainjector fills its caBundle from the serving Certificate.
        var apiService = chart.Single<V1APIService>();
        Check(apiService.Metadata.Name == $"{apiService.Spec.Version}.{apiService.Spec.Group}", "the APIService is named <version>.<group>");
        Check(apiService.Spec.Service.Name == service.Metadata.Name && apiService.Spec.Service.NamespaceProperty == service.Metadata.NamespaceProperty,
            "the APIService points at the chart's Service");
        Check(service.Spec.Ports.Any(p => p.Port == apiService.Spec.Service.Port),
            $"the APIService's port {apiService.Spec.Service.Port} is not a Service port");
        var injectFrom = apiService.Metadata.Annotations?.TryGetValue("cert-manager.io/inject-ca-from", out var from) == true ? from : "";
        var serving = certificates.SingleOrDefault(c => $"{c.Metadata.NamespaceProperty}/{c.Metadata.Name}" == injectFrom);
        Check(serving is not null, $"cert-manager.io/inject-ca-from names {injectFrom}, which is no Certificate of the chart");
        Check(serving?.Spec.DnsNames?.Contains($"{service.Metadata.Name}.{service.Metadata.NamespaceProperty}.svc") == true,
            "the serving certificate names <service>.<namespace>.svc, the name the aggregator checks");

        foreach (var certificate in certificates)
        {
            var issuer = issuers.SingleOrDefault(i => i.Metadata.Name == certificate.Spec.IssuerRef.Name
                && i.Metadata.NamespaceProperty == certificate.Metadata.NamespaceProperty);
            Check((certificate.Spec.IssuerRef.Kind ?? "Issuer") == "Issuer" && issuer is not null,
                $"Certificate {certificate.Metadata.Name} is issued by {certificate.Spec.IssuerRef.Name}, which is no Issuer of the chart");
        }

        foreach (var ca in issuers.Where(i => i.Spec.Ca is not null))
        {
            Check(certificates.Any(c => c.Spec.SecretName == ca.Spec.Ca!.SecretName && c.Spec.IsCA == true),
                $"CA Issuer {ca.Metadata.Name} signs with Secret {ca.Spec.Ca!.SecretName}, which no CA Certificate writes");
        }

        var roles = chart.All<V1Role>().Select(r => $"{r.Metadata.NamespaceProperty}/{r.Metadata.Name}")
            .Concat(chart.All<V1ClusterRole>().Select(r => r.Metadata.Name)).ToHashSet();
        var subjects = new HashSet<string>(callers) { podServiceAccount };
        var bindings = chart.All<V1RoleBinding>().Select(b => (b.Metadata.NamespaceProperty, b.Metadata.Name, b.RoleRef, b.Subjects))
            .Concat(chart.All<V1ClusterRoleBinding>().Select(b => ((string)null!, b.Metadata.Name, b.RoleRef, b.Subjects)));
        foreach (var (bindingNamespace, name, roleRef, bindingSubjects) in bindings)
        {
            var role = roleRef.Kind == "Role" ? $"{bindingNamespace}/{roleRef.Name}" : roleRef.Name;
            Check(roleRef.ApiGroup == "rbac.authorization.k8s.io" && (roles.Contains(role) || BuiltInRoles.Contains(role)),
                $"binding {name} refers to {roleRef.Kind} {role}, which neither the chart nor Kubernetes provides");
            foreach (var subject in bindingSubjects ?? [])
            {
                Check(subject.Kind == "ServiceAccount" && subjects.Contains($"{subject.NamespaceProperty}/{subject.Name}"),
                    $"binding {name} grants {subject.Kind} {subject.NamespaceProperty}/{subject.Name}, which is neither the webhook nor its caller");
            }
        }

        foreach (var budget in chart.All<V1PodDisruptionBudget>())
        {
            Check(Subset(budget.Spec.Selector.MatchLabels, podLabels), "the PodDisruptionBudget selects the pods");
        }

        foreach (var policy in chart.All<V1NetworkPolicy>())
        {
            Check(Subset(policy.Spec.PodSelector.MatchLabels, podLabels), "the NetworkPolicy selects the pods");
            foreach (var port in policy.Spec.Ingress?.SelectMany(r => r.Ports ?? []) ?? [])
            {
                Check(PortExists(port.Port, containerPorts), $"the NetworkPolicy admits port {port.Port}, which the container does not expose");
            }
        }

        foreach (var monitor in chart.All<ServiceMonitor>())
        {
            Check(Subset(monitor.Spec.Selector.MatchLabels, service.Metadata.Labels), "the ServiceMonitor selects the Service");
            Check(monitor.Spec.JobLabel is null || service.Metadata.Labels.ContainsKey(monitor.Spec.JobLabel),
                $"jobLabel {monitor.Spec.JobLabel} is not a label of the Service");
            Check(monitor.Spec.NamespaceSelector?.MatchNames?.Contains(service.Metadata.NamespaceProperty) != false,
                "the ServiceMonitor looks in the Service's namespace");
            foreach (var endpoint in monitor.Spec.Endpoints)
            {
                Check(service.Spec.Ports.Any(p => p.Name == endpoint.Port),
                    $"the ServiceMonitor scrapes port {endpoint.Port}, which the Service does not have");
                Check(endpoint.ScrapeTimeout is null || Durations.Milliseconds(endpoint.ScrapeTimeout) <= Durations.Milliseconds(endpoint.Interval!),
                    $"scrapeTimeout {endpoint.ScrapeTimeout} is above interval {endpoint.Interval}: prometheus-operator refuses it");
            }
        }

        foreach (var rule in chart.All<PrometheusRule>().SelectMany(r => r.Spec.Groups).SelectMany(g => g.Rules))
        {
            Check(rule.For is null || Durations.IsPrometheus(rule.For), $"alert {rule.Alert}: for {rule.For} is not a Prometheus duration");
            Check(!rule.Expr.Contains("service=", StringComparison.Ordinal)
                || rule.Expr.Contains($"service=\"{service.Metadata.Name}\"", StringComparison.Ordinal),
                $"alert {rule.Alert} selects another Service than {service.Metadata.Name}");
        }

        return problems;
    }

    private static readonly IFormatProvider Inv = System.Globalization.CultureInfo.InvariantCulture;

    private static string Identity(object o)
    {
        var metadata = RenderedChart.MetadataOf(o);
        return $"{RenderedChart.KindOf(o)} {metadata.NamespaceProperty}/{metadata.Name}";
    }

    private static bool Subset(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null && selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    private static bool PortExists(IntOrString? port, IList<V1ContainerPort> ports) =>
        port is not null && ports.Any(p => p.Name == port.Value || p.ContainerPort.ToString(Inv) == port.Value);

    private static void CheckNames(object o, Action<bool, string> check)
    {
        var metadata = RenderedChart.MetadataOf(o);
        var kind = RenderedChart.KindOf(o);
        var what = $"{kind} {metadata.Name}";
        switch (kind)
        {
            case "Service":
                check(Dns1035Label().IsMatch(metadata.Name) && metadata.Name.Length <= 63,
                    $"{what}: a Service name is a DNS-1035 label of at most 63 characters");
                break;
            case "Role" or "RoleBinding" or "ClusterRole" or "ClusterRoleBinding":
                check(metadata.Name.Length is > 0 and <= 253 && !metadata.Name.Contains('/') && !metadata.Name.Contains('%'),
                    $"{what}: an RBAC name is a path segment of at most 253 characters");
                break;
            case "APIService":
                break;
            default:
                check(IsSubdomain(metadata.Name), $"{what}: the name is a DNS-1123 subdomain of at most 253 characters");
                break;
        }

        if (metadata.NamespaceProperty is { } ns)
        {
            check(Dns1123Label().IsMatch(ns) && ns.Length <= 63, $"{what}: namespace {ns} is a DNS-1123 label");
        }

        CheckLabels(what, metadata.Labels, check);
        switch (o)
        {
            case V1Deployment deployment:
                CheckLabels(what + " pod template", deployment.Spec.Template.Metadata.Labels, check);
                foreach (var port in deployment.Spec.Template.Spec.Containers.SelectMany(c => c.Ports ?? []))
                {
                    check(port.Name is null || (port.Name.Length <= 15 && Dns1123Label().IsMatch(port.Name) && port.Name.Any(char.IsLetter)),
                        $"{what}: container port name {port.Name} is an IANA service name of at most 15 characters");
                }

                break;
            case CertManagerCertificate certificate:
                check(certificate.Spec.CommonName is null || Encoding.UTF8.GetByteCount(certificate.Spec.CommonName) <= 64,
                    $"{what}: commonName {certificate.Spec.CommonName} is over the 64 bytes cert-manager accepts");
                check(certificate.Spec.SecretName is { } secret && IsSubdomain(secret), $"{what}: secretName is a DNS-1123 subdomain");
                foreach (var dnsName in certificate.Spec.DnsNames ?? [])
                {
                    check(IsSubdomain(dnsName) && dnsName.Split('.').All(label => label.Length <= 63), $"{what}: dnsName {dnsName} is not a valid DNS name");
                }

                break;
            case V1ConfigMap configMap:
                foreach (var key in configMap.Data?.Keys ?? [])
                {
                    check(ConfigMapKey().IsMatch(key) && key.Length <= 253, $"{what}: data key {key} is not a valid ConfigMap key");
                }

                break;
        }
    }

    private static void CheckLabels(string what, IDictionary<string, string>? labels, Action<bool, string> check)
    {
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            var slash = key.LastIndexOf('/');
            var name = key[(slash + 1)..];
            check((slash < 0 || IsSubdomain(key[..slash])) && name.Length is > 0 and <= 63 && LabelValue().IsMatch(name),
                $"{what}: label key {key} is not valid");
            check(value.Length <= 63 && (value.Length == 0 || LabelValue().IsMatch(value)),
                $"{what}: label {key}={value} is over 63 characters or not a label value");
        }
    }

    private static bool IsSubdomain(string name) => name.Length <= 253 && Dns1123Subdomain().IsMatch(name);

    [GeneratedRegex(@"^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex(@"^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigMapKey();
}

/// <summary>Durations in whole units, as Prometheus writes them (<c>1h30m</c>, <c>90s</c>, <c>500ms</c>).</summary>
internal static partial class Durations
{
    public static bool IsPrometheus(string text) => text.Length > 0 && PrometheusDuration().IsMatch(text);

    public static long Milliseconds(string text)
    {
        IsPrometheus(text).Should().BeTrue($"{text} is a duration in whole units");
        return Part().Matches(text).Sum(m => long.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) * m.Groups["unit"].Value switch
        {
            "ms" => 1L,
            "s" => 1_000L,
            "m" => 60_000L,
            "h" => 3_600_000L,
            "d" => 86_400_000L,
            "w" => 604_800_000L,
            _ => 31_536_000_000L,
        });
    }

    [GeneratedRegex(@"^([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$")]
    private static partial Regex PrometheusDuration();

    [GeneratedRegex(@"(?<n>[0-9]+)(?<unit>ms|y|w|d|h|m|s)")]
    private static partial Regex Part();
}
