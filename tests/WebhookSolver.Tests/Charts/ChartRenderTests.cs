using System.Text.Json;
using k8s.Models;

namespace WebhookSolver.Tests.Charts;

/// <summary>
/// The chart rendered as Helm renders it (<see cref="ChartRenderer"/>) for the documented install, every optional
/// feature, a release name of Helm's maximum length and the mistakes users make; every document read strictly
/// into its Kubernetes model and every reference between them checked (<see cref="ChartChecks"/>).
/// </summary>
public class ChartRenderTests
{
    private const string CertManager = "cert-manager/cert-manager";

    /// <summary>The README's install command.</summary>
    private static readonly string[] ReadmeInstall =
    [
        "--set", "groupName=acme.example.com",
        "--set", "image.repository=registry.example.com/cert-manager-webhook-route53", "--set", "image.tag=0.1.0",
    ];

    private const string EveryFeature = """
        networkPolicy:
          enabled: true
          apiServerPeers: [{ipBlock: {cidr: 10.0.0.0/16}}]
        metrics:
          serviceMonitor: {enabled: true, interval: 15s, labels: {release: kube-prometheus-stack}}
          prometheusRule:
            enabled: true
            labels: {release: kube-prometheus-stack}
            alertLabels: {team: platform}
            runbookBaseURL: https://docs.example.com/alerts.md
          dashboard: {enabled: true, annotations: {grafana_folder: cert-manager}}
        rbac:
          secrets:
            - {namespace: cert-manager, resourceNames: [route53-credentials]}
            - {namespace: cert-manager, resourceNames: [route53-credentials-staging]}
            - {namespace: team-a}
            - {namespace: team-a, resourceNames: [only-this]}
          serviceAccountTokens:
            - {namespace: team-a, names: [route53-dns]}
            - {namespace: team-a, names: [route53-dns, route53-dns-2]}
            - {namespace: team-b, names: [route53]}
        extraArgs: [--route53-wait-for-insync=30s, --route53-requests-per-second=3]
        extraEnv: [{name: AWS_STS_REGIONAL_ENDPOINTS, value: regional}]
        aws: {region: eu-west-1}
        serviceAccount:
          annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/route53-webhook"}
        image: {digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
        imagePullSecrets: [{name: registry}]
        podLabels: {team: platform}
        podAnnotations: {example.com/owner: platform}
        priorityClassName: system-cluster-critical
        tolerations: [{key: dedicated, operator: Exists}]
        topologySpreadConstraints:
          - maxSkew: 1
            topologyKey: topology.kubernetes.io/zone
            whenUnsatisfiable: ScheduleAnyway
            labelSelector: {matchLabels: {app.kubernetes.io/name: cert-manager-webhook-route53}}
        podDisruptionBudget: {minAvailable: 1}
        logFormat: json
        route53: {assumedReplicas: 5}
        """;

    /// <summary>A release name of 53 characters, Helm's maximum.</summary>
    private const string LongRelease = "route53-solver-production-eu-west-1-platform-team-abc";

    public static TheoryData<string, string, string, string?, string[]> Installs() => new()
    {
        { "README install", "route53-webhook", "cert-manager", null, ReadmeInstall },
        { "every optional feature", "route53-webhook", "cert-manager", EveryFeature, [] },
        { "53-character release name, another namespace", LongRelease, "platform-certificates", EveryFeature, [] },
        { "the name of the issue's example", "route53-solver-production", "cert-manager", null, [] },
        { "existing ServiceAccount", "r53", "cert-manager", "serviceAccount: {create: false, name: route53-irsa}\n", [] },
        { "NodePort and host network", "r53", "cert-manager",
            "service: {type: NodePort}\nhostNetwork: true\nsecurePort: 10260\nnetworkPolicy: {enabled: true}\n", [] },
        { "null resources, no metrics, one replica", "r53", "cert-manager",
            "resources: null\nmetrics: {enabled: false}\nreplicaCount: 1\npodDisruptionBudget: {enabled: false}\naffinity: null\n", [] },
        { "node role credentials", "r53", "cert-manager",
            "aws: {disableEC2Metadata: false}\nnetworkPolicy: {enabled: true, allowPodIdentityAgent: false, egress: []}\n", [] },
        { "--set forms", "r53", "kube-system", null,
            ["--set", "rbac.secrets[0].namespace=cert-manager,rbac.secrets[0].resourceNames={a,b}", "--set",
                @"serviceAccount.annotations.eks\.amazonaws\.com/role-arn=arn:aws:iam::111122223333:role/r",
             "--set", "replicaCount=3", "--set-string", "podLabels.version=1"] },
    };

    [Theory]
    [MemberData(nameof(Installs))]
    public void TheChartRendersIntoValidObjectsThatReferToEachOther(string name, string release, string @namespace, string? values, string[] args)
    {
        var chart = RenderedChart.Render(release, @namespace, values, args);

        var external = values?.Contains("create: false", StringComparison.Ordinal) == true ? "route53-irsa" : null;
        ChartChecks.Problems(chart, new HashSet<string> { CertManager }, external).Should().BeEmpty(name);
        chart.Objects.Select(RenderedChart.KindOf).Should().Contain(["Deployment", "Service", "APIService", "Certificate", "Issuer"]);
    }

    [Fact]
    public void TheReadmeInstallRendersTheDocumentedObjects()
    {
        var chart = RenderedChart.Render("route53-webhook", "cert-manager", null, ReadmeInstall);

        const string fullname = "route53-webhook-cert-manager-webhook-route53";
        chart.Single<V1Deployment>().Spec.Template.Spec.Containers[0].Image.Should().Be("registry.example.com/cert-manager-webhook-route53:0.1.0");
        chart.Named<V1ServiceAccount>(fullname);
        chart.Named<V1APIService>("v1alpha1.acme.example.com");
        chart.Objects.Select(RenderedChart.KindOf).Should().NotContain(["NetworkPolicy", "ServiceMonitor", "PrometheusRule", "ConfigMap"],
            "the optional objects are off by default");
        chart.All<V1Role>().Select(r => r.Metadata.Name).Should().Equal($"{fullname}:leases");
    }

    [Fact]
    public void EveryNameFitsItsLimitForTheLongestReleaseName()
    {
        var chart = RenderedChart.Render(LongRelease, "platform-certificates", EveryFeature);

        var service = chart.Single<V1Service>();
        service.Metadata.Name.Should().HaveLength(63).And.StartWith(LongRelease);
        var ca = chart.All<CertManagerCertificate>().Single(c => c.Spec.IsCA == true);
        ca.Spec.CommonName!.Length.Should().BeLessThanOrEqualTo(64);
        ChartChecks.Problems(chart, new HashSet<string> { CertManager }).Should().BeEmpty();
    }

    [Fact]
    public void TheChecksCatchBrokenReferencesAndNames()
    {
        var rendered = ChartRenderer.Template("route53-webhook", "cert-manager", EveryFeature);
        rendered.ExitCode.Should().Be(0, rendered.Error);
        var broken = rendered.Output
            .Replace("targetPort: https", "targetPort: http", StringComparison.Ordinal)
            .Replace("commonName: route53-webhook-cert-manager-webhook-route53-ca", "commonName: ca." + new string('x', 70), StringComparison.Ordinal)
            .Replace("name: route53-webhook-cert-manager-webhook-route53:leases\nsubjects",
                "name: route53-webhook-cert-manager-webhook-route53:lease\nsubjects", StringComparison.Ordinal)
            .Replace("jobLabel: app.kubernetes.io/name", "jobLabel: app", StringComparison.Ordinal);
        var chart = RenderedChart.Read("route53-webhook", "cert-manager", broken);

        var problems = ChartChecks.Problems(chart, new HashSet<string> { CertManager });

        problems.Should().Contain(p => p.Contains("targets http", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("64 bytes", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains(":lease,", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("jobLabel app", StringComparison.Ordinal));
        ChartChecks.Problems(chart, new HashSet<string>()).Should().Contain(p => p.Contains(CertManager, StringComparison.Ordinal),
            "cert-manager is the one outside caller");
    }

    [Fact]
    public void AnUnknownFieldInARenderedManifestIsAnError()
    {
        var rendered = ChartRenderer.Template("r53", "cert-manager");
        var typo = rendered.Output.Replace("  replicas: 2\n", "  replica: 2\n", StringComparison.Ordinal);

        typo.Should().NotBe(rendered.Output);
        var read = () => RenderedChart.Read("r53", "cert-manager", typo);
        read.Should().Throw<Exception>().Where(e => e.ToString().Contains("replica", StringComparison.Ordinal));
    }

    [Fact]
    public void SecretAndTokenEntriesForOneNamespaceBecomeOneRole()
    {
        var chart = RenderedChart.Render("route53-webhook", "cert-manager", EveryFeature);

        Rules(chart, "cert-manager", "secret-reader").Should().ContainSingle().Which.ResourceNames.Should().Equal("route53-credentials",
            "route53-credentials-staging");
        Rules(chart, "team-a",
            "secret-reader").Should().ContainSingle().Which.ResourceNames.Should().BeNull("an entry without names allows every Secret of team-a");
        Rules(chart, "team-a", "token-requester").Should().ContainSingle().Which.ResourceNames.Should().Equal("route53-dns", "route53-dns-2");
        Rules(chart, "team-b", "token-requester").Should().ContainSingle().Which.ResourceNames.Should().Equal("route53");
        chart.All<V1RoleBinding>().Where(b => b.Metadata.Name.EndsWith(":secret-reader", StringComparison.Ordinal)).Select(b => b.Metadata.NamespaceProperty)
            .Should().BeEquivalentTo("cert-manager", "team-a");
    }

    [Fact]
    public void LeasesMayBeManagedInTheReleaseNamespaceOnly()
    {
        var chart = RenderedChart.Render("route53-webhook", "platform", EveryFeature);

        var leaseRoles = chart.All<V1Role>().Where(r => r.Rules.Any(rule => rule.Resources.Contains("leases"))).ToList();
        var role = leaseRoles.Should().ContainSingle().Subject;
        role.Metadata.NamespaceProperty.Should().Be("platform");
        role.Rules.Should().ContainSingle().Which.Should().BeEquivalentTo(new V1PolicyRule
        {
            ApiGroups = ["coordination.k8s.io"],
            Resources = ["leases"],
            Verbs = ["get", "list", "watch", "create", "update", "patch", "delete"],
        });
        chart.All<V1ClusterRole>().SelectMany(r => r.Rules).SelectMany(r => r.Resources).Should().NotContain("leases");
        var binding = chart.All<V1RoleBinding>().Single(b => b.RoleRef.Name == role.Metadata.Name);
        binding.Metadata.NamespaceProperty.Should().Be("platform");
        binding.Subjects.Should().ContainSingle().Which.Name.Should().Be(chart.Single<V1Deployment>().Spec.Template.Spec.ServiceAccountName);

        chart.All<V1Role>().Concat<object>(chart.All<V1ClusterRole>())
            .SelectMany(r => r is V1Role x ? x.Rules : ((V1ClusterRole)r).Rules)
            .Where(rule => !rule.Resources.Contains("leases"))
            .SelectMany(rule => rule.Verbs).Should().OnlyContain(verb => verb == "get" || verb == "create", "only the Lease role lists, watches or writes");
    }

    [Theory]
    [InlineData(null, "2")]
    [InlineData("replicaCount: 3\n", "3")]
    [InlineData("replicaCount: 0\n", "1")]
    [InlineData("route53: {assumedReplicas: 6}\n", "6")]
    public void EachPodKnowsItsLeaseNameAndTheReplicasToAssumeAtStartUp(string? values, string assumed)
    {
        var container = RenderedChart.Render("r53", "cert-manager", values).Single<V1Deployment>().Spec.Template.Spec.Containers[0];

        container.Env.Single(e => e.Name == "POD_NAME").ValueFrom.FieldRef.FieldPath.Should().Be("metadata.name");
        container.Env.Single(e => e.Name == "POD_NAMESPACE").ValueFrom.FieldRef.FieldPath.Should().Be("metadata.namespace");
        container.Args.Should().Contain($"--route53-assumed-replicas={assumed}");
    }

    [Theory]
    [InlineData("networkPolicy: {enabled: true}\n", true, false)]
    [InlineData("networkPolicy: {enabled: true}\naws: {disableEC2Metadata: false}\n", true, true)]
    [InlineData("networkPolicy: {enabled: true, allowPodIdentityAgent: false, allowInstanceMetadata: true}\n", false, true)]
    [InlineData("networkPolicy: {enabled: true, allowPodIdentityAgent: false}\n", false, false)]
    public void TheNetworkPolicyLetsTheCredentialModesInUseThrough(string values, bool podIdentity, bool instanceMetadata)
    {
        var policy = RenderedChart.Render("r53", "cert-manager", values).Single<V1NetworkPolicy>();

        bool Allows(string cidr) => policy.Spec.Egress.Any(rule => rule.To?.Any(peer => peer.IpBlock?.Cidr == cidr) == true
            && rule.Ports.Any(p => p.Port.Value == "80" && p.Protocol == "TCP"));
        Allows("169.254.170.23/32").Should().Be(podIdentity, "the EKS Pod Identity agent");
        Allows("169.254.169.254/32").Should().Be(instanceMetadata, "instance metadata");
        policy.Spec.Egress.Where(rule => rule.To is null).SelectMany(rule => rule.Ports).Select(p => p.Port.Value)
            .Should().Contain(["53", "443", "6443"], "DNS, AWS and the Kubernetes API (Leases, Secrets, reviews) stay reachable");
    }

    [Theory]
    [InlineData("metrics: {serviceMonitor: {enabled: true, interval: 15s}}\n", "15s", null)]
    [InlineData("metrics: {serviceMonitor: {enabled: true, interval: 1m, scrapeTimeout: 1m}}\n", "1m", "1m")]
    [InlineData("metrics: {serviceMonitor: {enabled: true, interval: 2m, scrapeTimeout: 1m30s}}\n", "2m", "1m30s")]
    public void TheScrapeTimeoutNeverExceedsTheInterval(string values, string interval, string? timeout)
    {
        var endpoint = RenderedChart.Render("r53", "cert-manager", values).Single<ServiceMonitor>().Spec.Endpoints.Should().ContainSingle().Subject;

        endpoint.Interval.Should().Be(interval);
        endpoint.ScrapeTimeout.Should().Be(timeout, "an empty timeout is left to Prometheus, which caps it at the interval");
    }

    [Fact]
    public void TheDashboardConfigMapCarriesTheChartsDashboardForGrafanasSidecar()
    {
        var configMap = RenderedChart.Render("r53", "cert-manager", "metrics: {dashboard: {enabled: true}}\n").Single<V1ConfigMap>();

        configMap.Metadata.Labels.Should().Contain("grafana_dashboard", "1");
        var json = configMap.Data.Should().ContainSingle().Subject.Value;
        json.Should().Be(ChartFiles.ReadRepoFile(ChartFiles.ChartPath + "/dashboards/webhook-route53.json").TrimEnd('\n'));
        JsonDocument.Parse(json).RootElement.GetProperty("panels").GetArrayLength().Should().BePositive();
    }

    public static TheoryData<string, string, string[], string> Mistakes() => new()
    {
        { "a release name over 53 characters", LongRelease + "x", [], "53" },
        { "a scrape timeout above the interval", "r53",
            ["--set", "metrics.serviceMonitor.enabled=true,metrics.serviceMonitor.interval=15s,metrics.serviceMonitor.scrapeTimeout=30s"], "scrapeTimeout" },
        { "a serving certificate under cert-manager's 1h minimum", "r53", ["--set", "pki.servingCertificateDuration=30m"], "servingCertificateDuration" },
        { "a fractional scrape interval", "r53", ["--set", "metrics.serviceMonitor.interval=1.5m"], "interval" },
        { "a fractional CA duration", "r53", ["--set", "pki.caDuration=1.5h"], "caDuration" },
        { "no name for an existing ServiceAccount", "r53", ["--set", "serviceAccount.create=false"], "serviceAccount.name" },
        { "token entries without names", "r53", ["--set", "rbac.serviceAccountTokens[0].namespace=team-a"], "names" },
        { "an unknown value", "r53", ["--set", "unknownValue=1"], "unknownValue" },
        { "port zero", "r53", ["--set", "securePort=0"], "securePort" },
        { "assumed replicas of zero", "r53", ["--set", "route53.assumedReplicas=0"], "assumedReplicas" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void MistakesFailWithAMessageNamingTheValue(string mistake, string release, string[] args, string named)
    {
        var result = ChartRenderer.Template(release, "cert-manager", null, args);

        result.ExitCode.Should().NotBe(0, mistake);
        result.Error.Should().Contain(named, mistake);
        result.Output.Should().BeEmpty("nothing is rendered for a refused install");
    }

    [Fact]
    public void TheChartLintsCleanWithDefaultsAndWithTheHostNetworkSetup()
    {
        foreach (var args in new[] { Array.Empty<string>(), ["--set", "hostNetwork=true,securePort=10260,networkPolicy.enabled=true"] })
        {
            var lint = ChartRenderer.Lint(args);
            lint.ExitCode.Should().Be(0, $"{ChartRenderer.Name} {string.Join(' ', args)}: {lint.Error}{lint.Output}");
        }
    }

    private static IList<V1PolicyRule> Rules(RenderedChart chart, string @namespace, string suffix) =>
        chart.All<V1Role>().Where(r => r.Metadata.NamespaceProperty == @namespace && r.Metadata.Name.EndsWith(":" + suffix, StringComparison.Ordinal))
            .Should().ContainSingle($"one {suffix} Role in {@namespace}").Subject.Rules;
}
