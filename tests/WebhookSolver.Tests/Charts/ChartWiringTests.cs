using System.Text.RegularExpressions;
using k8s.Models;
using WebhookSolver.Challenges;
using WebhookSolver.Hosting;

namespace WebhookSolver.Tests.Charts;

/// <summary>
/// The APIService, the Service, the Deployment's flags and the RBAC name the same group, version, resource
/// and ports, and the server really has the flags and defaults the chart relies on.
/// </summary>
public partial class ChartWiringTests
{
    private const string GroupName = "{{ .Values.groupName }}";
    private const string SolverName = "{{ .Values.solverName }}";
    private const string ServingSecret = "{{ include \"webhook-route53.servingCertificate\" . }}";

    private static string Deployment => ChartFiles.Template("deployment.yaml");

    [Fact]
    public void TheApiServiceRegistersTheGroupVersionTheServerServes()
    {
        var apiService = ChartFiles.Template("apiservice.yaml");

        apiService.Should().Contain($"name: {DiscoveryEndpoints.Version}.{GroupName}\n");
        Field(apiService, "group").Should().Be(GroupName);
        Field(apiService, "version").Should().Be(DiscoveryEndpoints.Version);
        Field(apiService, "port").Should().Be("{{ .Values.service.port }}");
        apiService.Should().Contain("name: {{ include \"webhook-route53.fullname\" . }}\n    namespace: {{ .Release.Namespace }}");
        apiService.Should().Contain($"cert-manager.io/inject-ca-from: \"{{{{ .Release.Namespace }}}}/{ServingSecret}\"");
    }

    [Fact]
    public void TheServiceForwardsTheApiServicePortToTheNamedSecurePort()
    {
        var service = ChartFiles.Template("service.yaml");

        service.Should().Contain("- name: https\n      port: {{ .Values.service.port }}\n      targetPort: https\n");
        Deployment.Should().Contain("- name: https\n              containerPort: {{ .Values.securePort }}\n");
        service.Should().Contain("targetPort: metrics");
        Deployment.Should().Contain("- name: metrics\n              containerPort: {{ .Values.metrics.port }}\n");
    }

    [Fact]
    public void TheDeploymentPassesOnlyRealServerFlagsWithTheChartsValues()
    {
        var args = Args();
        var known = CommandLine.Flags.Select(f => f.Name).ToHashSet();

        args.Keys.Where(flag => !known.Contains(flag)).Should().BeEmpty("every argument must be a flag of CommandLine.Flags");
        args.Should().Contain("secure-port", "{{ .Values.securePort }}")
            .And.Contain("group-name", GroupName)
            .And.Contain("solver-name", SolverName)
            .And.Contain("log-format", "{{ .Values.logFormat }}")
            .And.Contain("tls-cert-file", "/tls/tls.crt")
            .And.Contain("tls-private-key-file", "/tls/tls.key");
        args["metrics-port"].Should().Contain("{{ .Values.metrics.port }}").And.Contain("0");

        var parsed = CommandLine.Parse(args.Select(a => $"--{a.Key}={Example(a.Value)}").ToList());
        parsed.Error.Should().BeNull("the server accepts the chart's arguments");
    }

    [Fact]
    public void ExtraArgsInTheValuesExamplesAreRealFlags()
    {
        var documented = ExampleFlag().Matches(ChartFiles.Readme + ChartFiles.ReadRepoFile(ChartFiles.ChartPath + "/values.yaml"))
            .Select(m => m.Groups[1].Value).Distinct().ToList();

        documented.Should().NotBeEmpty();
        documented.Should().OnlyContain(flag => CommandLine.Flags.Any(f => f.Name == flag));
    }

    [Fact]
    public void TheChartsDefaultsAreTheServersDefaults()
    {
        var values = ChartFiles.Values;
        var metrics = (IReadOnlyDictionary<string, object?>)values["metrics"]!;

        values["securePort"].Should().Be(long.Parse(FlagDefault("secure-port"), System.Globalization.CultureInfo.InvariantCulture));
        values["securePort"].Should().Be((long)new WebhookOptions().SecurePort);
        values["solverName"].Should().Be(FlagDefault("solver-name")).And.Be(new WebhookOptions().SolverName);
        metrics["port"].Should().Be(long.Parse(FlagDefault("metrics-port"), System.Globalization.CultureInfo.InvariantCulture));
        values["logFormat"].Should().Be(FlagDefault("log-format"));
    }

    [Fact]
    public void TheTlsSecretIsMountedAsADirectoryNeverWithSubPath()
    {
        Regex.IsMatch(Deployment, @"^\s*subPath\s*:", RegexOptions.Multiline).Should().BeFalse("a subPath mount never sees a renewed certificate");
        Deployment.Should().Contain("- name: tls\n              mountPath: /tls\n              readOnly: true\n");
        Deployment.Should().Contain($"- name: tls\n          secret:\n            secretName: {ServingSecret}\n");
        ChartFiles.Template("pki.yaml").Should().Contain($"secretName: {ServingSecret}\n");
    }

    [Fact]
    public void TheServingCertificateNamesTheServiceTheAggregatorDials()
    {
        var pki = ChartFiles.Documents(ChartFiles.Template("pki.yaml"));
        var serving = pki.Single(d => d.Contains($"name: {ServingSecret}\n", StringComparison.Ordinal) && ChartFiles.KindOf(d) == "Certificate");

        serving.Should().Contain("- {{ include \"webhook-route53.fullname\" . }}.{{ .Release.Namespace }}.svc\n");
        pki.Select(ChartFiles.KindOf).Should().Equal("Issuer", "Certificate", "Issuer", "Certificate");
        pki[0].Should().Contain("selfSigned: {}");
        pki[1].Should().Contain("isCA: true");
        pki[2].Should().Contain("ca:\n    secretName:");
    }

    [Fact]
    public void TheProbesUseHttpsOnTheHealthPaths()
    {
        var probes = ProbeBlock().Matches(Deployment).ToList();

        probes.Select(p => p.Groups["kind"].Value).Should().BeEquivalentTo("startupProbe", "livenessProbe", "readinessProbe");
        probes.Should().OnlyContain(p => p.Groups["scheme"].Value == "HTTPS" && p.Groups["port"].Value == "https");
        probes.Select(p => p.Groups["path"].Value).Should().OnlyContain(path => path == "/healthz" || path == "/livez" || path == "/readyz");
    }

    [Fact]
    public void TheSecurityDefaultsAreRestricted()
    {
        var pod = (IReadOnlyDictionary<string, object?>)ChartFiles.Values["podSecurityContext"]!;
        var container = (IReadOnlyDictionary<string, object?>)ChartFiles.Values["securityContext"]!;

        pod["runAsNonRoot"].Should().Be(true);
        ((long)pod["runAsUser"]!).Should().BePositive();
        ((IReadOnlyDictionary<string, object?>)pod["seccompProfile"]!)["type"].Should().Be("RuntimeDefault");
        container["runAsNonRoot"].Should().Be(true);
        container["allowPrivilegeEscalation"].Should().Be(false);
        container["readOnlyRootFilesystem"].Should().Be(true);
        ((IReadOnlyDictionary<string, object?>)container["capabilities"]!)["drop"].Should().BeEquivalentTo(new[] { "ALL" });
        ((IReadOnlyDictionary<string, object?>)container["seccompProfile"]!)["type"].Should().Be("RuntimeDefault");
        container.Should().NotContainKey("privileged");

        Deployment.Should().Contain("securityContext:\n        {{- toYaml .Values.podSecurityContext | nindent 8 }}");
        Deployment.Should().Contain("securityContext:\n            {{- toYaml .Values.securityContext | nindent 12 }}");
        Deployment.Should().Contain("- name: AWS_EC2_METADATA_DISABLED\n              value: {{ .Values.aws.disableEC2Metadata | quote }}\n");
        ((IReadOnlyDictionary<string, object?>)ChartFiles.Values["aws"]!)["disableEC2Metadata"].Should().Be(true);
    }

    [Fact]
    public void TheRbacIsTheLeastPrivilegeOfTheSecurityDesign()
    {
        var chart = RenderedChart.Render("r53", "cert-manager", """
            rbac:
              secrets: [{namespace: cert-manager, resourceNames: [route53-credentials]}, {namespace: team-a}]
              serviceAccountTokens: [{namespace: team-a, names: [route53-dns]}]
            """);
        const string fullname = "r53-cert-manager-webhook-route53";

        chart.Named<V1ClusterRoleBinding>($"{fullname}:auth-delegator").RoleRef.Name.Should().Be("system:auth-delegator");
        var reader = chart.Named<V1RoleBinding>($"{fullname}:webhook-authentication-reader");
        reader.Metadata.NamespaceProperty.Should().Be("kube-system");
        reader.RoleRef.Should().BeEquivalentTo(new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role",
            Name = "extension-apiserver-authentication-reader" });

        var clusterRole = chart.All<V1ClusterRole>().Should().ContainSingle("only the domain-solver role is cluster-wide").Subject;
        clusterRole.Rules.Should().ContainSingle().Which.Should().BeEquivalentTo(new V1PolicyRule
        {
            ApiGroups = ["acme.example.com"],
            Resources = ["route53"],
            Verbs = ["create"],
        });
        chart.Named<V1ClusterRoleBinding>($"{fullname}:domain-solver").Subjects.Should().ContainSingle()
            .Which.Should().BeEquivalentTo(new Rbacv1Subject { Kind = "ServiceAccount", Name = "cert-manager", NamespaceProperty = "cert-manager" });

        var rules = chart.All<V1Role>().SelectMany(r => r.Rules.Select(rule => (r.Metadata.NamespaceProperty, Rule: rule))).ToList();
        rules.Where(r => r.Rule.Resources.Contains("secrets")).Should().HaveCount(2).And.OnlyContain(r => r.Rule.Verbs.SequenceEqual(new[] { "get" }));
        rules.Single(r => r.Rule.Resources.Contains("secrets")
            && r.NamespaceProperty == "cert-manager").Rule.ResourceNames.Should().Equal("route53-credentials");
        rules.Single(r => r.Rule.Resources.Contains("serviceaccounts/token")).Rule
            .Should().BeEquivalentTo(new V1PolicyRule { ApiGroups = [""], Resources = ["serviceaccounts/token"], Verbs = ["create"],
                ResourceNames = ["route53-dns"] });
        chart.All<V1Role>().Concat<object>(chart.All<V1ClusterRole>()).SelectMany(r => r is V1Role role ? role.Rules : ((V1ClusterRole)r).Rules)
            .SelectMany(rule => rule.Verbs.Concat(rule.Resources).Concat(rule.ApiGroups)).Should().NotContain("*");
    }

    [Fact]
    public void TheReplicasSurviveADrainByDefault()
    {
        ChartFiles.Values["replicaCount"].Should().Be(2L);
        ((IReadOnlyDictionary<string, object?>)ChartFiles.Values["podDisruptionBudget"]!)["enabled"].Should().Be(true);
        ChartFiles.Template("poddisruptionbudget.yaml").Should().Contain("kind: PodDisruptionBudget");
    }

    private static Dictionary<string, string> Args()
    {
        var block = Regex.Match(Deployment, @"args:\n(?<lines>(?:\s+- --.*\n)+)").Groups["lines"].Value;
        return Regex.Matches(block, @"- --(?<name>[a-z0-9-]+)=(?<value>.*)")
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value.Trim());
    }

    /// <summary>A template expression replaced by a value the server would receive with the defaults.</summary>
    private static string Example(string value) => value switch
    {
        "{{ .Values.securePort }}" => "8443",
        "{{ .Values.groupName }}" => "acme.example.com",
        "{{ .Values.solverName }}" => "route53",
        "{{ .Values.logFormat }}" => "text",
        _ when value.Contains("{{", StringComparison.Ordinal) && value.Contains(".Values.metrics.port", StringComparison.Ordinal) => "9402",
        "{{ include \"webhook-route53.assumedReplicas\" . }}" => "2",
        _ => value,
    };

    private static string FlagDefault(string name) => CommandLine.Flags.Single(f => f.Name == name).Default;

    private static string Field(string template, string key) =>
        Regex.Match(template, $@"^\s*{key}:\s*(.+)$", RegexOptions.Multiline).Groups[1].Value.Trim();

    [GeneratedRegex(@"(?<kind>\w+Probe):\n\s+httpGet:\n\s+scheme: (?<scheme>\w+)\n\s+path: (?<path>\S+)\n\s+port: (?<port>\S+)")]
    private static partial Regex ProbeBlock();

    [GeneratedRegex(@"`--([a-z0-9-]+)=")]
    private static partial Regex ExampleFlag();
}
