using System.Text.RegularExpressions;

namespace WebhookSolver.Tests.Charts;

/// <summary>values.yaml, values.schema.json, the templates and the chart README describe the same values.</summary>
public partial class ChartValuesTests
{
    [Fact]
    public void EveryValuesPathATemplateUsesIsDefinedInValuesYamlAndInTheSchema()
    {
        var problems = new List<string>();
        foreach (var (name, text) in ChartFiles.Templates)
        {
            foreach (var path in ChartFiles.ValuesReferences(text))
            {
                if (!ChartFiles.ValuesDefine(ChartFiles.Values, path))
                {
                    problems.Add($"{name}: .Values.{path} is not in values.yaml");
                }

                if (ChartFiles.SchemaNode(ChartFiles.Schema, path) is null)
                {
                    problems.Add($"{name}: .Values.{path} is not in values.schema.json");
                }
            }
        }

        ChartFiles.Templates.Values.SelectMany(ChartFiles.ValuesReferences).Should().NotBeEmpty("the templates are read");
        problems.Should().BeEmpty();
    }

    [Fact]
    public void AValuesPathMissingFromValuesAndSchemaIsCaught()
    {
        var references = ChartFiles.ValuesReferences("image: {{ .Values.image.registry }}\n{{- range $.Values.rbac.secrets }}{{ .namespace }}{{ end }}");

        references.Should().BeEquivalentTo("image.registry", "rbac.secrets");
        ChartFiles.ValuesDefine(ChartFiles.Values, "image.registry").Should().BeFalse();
        ChartFiles.SchemaNode(ChartFiles.Schema, "image.registry").Should().BeNull();
        ChartFiles.ValuesDefine(ChartFiles.Values, "rbac.secrets").Should().BeTrue();
    }

    [Fact]
    public void ValuesYamlSatisfiesTheSchema()
    {
        ChartFiles.SchemaErrors(ChartFiles.Values).Should().BeEmpty();
    }

    [Theory]
    [InlineData("securePort: 0", "securePort")]
    [InlineData("replicaCount: two", "replicaCount")]
    [InlineData("logFormat: xml", "logFormat")]
    [InlineData("groupName: Not_A_Group", "groupName")]
    [InlineData("image: {repository: r, pullPolicy: Sometimes}", "image.pullPolicy")]
    [InlineData("rbac: {serviceAccountTokens: [{namespace: team-a}]}", "names")]
    [InlineData("rbac: {secrets: [{namespace: team-a, verbs: [list]}]}", "verbs")]
    [InlineData("podDisruptionBudget: {maxUnavailable: half}", "maxUnavailable")]
    [InlineData("extraArgs: [route53-burst=5]", "extraArgs")]
    [InlineData("typoedValue: true", "typoedValue")]
    [InlineData("pki: {servingCertificateDuration: 30m}", "pki.servingCertificateDuration")]
    [InlineData("pki: {caDuration: 1.5h}", "pki.caDuration")]
    [InlineData("metrics: {serviceMonitor: {interval: 1.5m}}", "metrics.serviceMonitor.interval")]
    [InlineData("metrics: {serviceMonitor: {scrapeTimeout: 10}}", "metrics.serviceMonitor.scrapeTimeout")]
    [InlineData("route53: {assumedReplicas: 0}", "route53.assumedReplicas")]
    [InlineData("networkPolicy: {allowInstanceMetadata: sometimes}", "networkPolicy.allowInstanceMetadata")]
    [InlineData("metrics: {prometheusRule: {runbookBaseURL: docs/alerts.md}}", "metrics.prometheusRule.runbookBaseURL")]
    public void TheSchemaRejectsValuesHelmWouldReject(string overrideYaml, string named)
    {
        var values = Merge(ChartFiles.Values, (IReadOnlyDictionary<string, object?>)ChartFiles.LoadYaml(overrideYaml)!);

        ChartFiles.SchemaErrors(values).Should().Contain(error => error.Contains(named));
    }

    [Fact]
    public void EveryValueInValuesYamlIsInTheSchemaAndEverySchemaValueIsInValuesYaml()
    {
        var leaves = ChartFiles.ValueLeaves(ChartFiles.Values, ChartFiles.Schema).ToList();
        leaves.Should().Contain(["groupName", "certManager.namespace", "securePort", "rbac.secrets", "metrics.serviceMonitor.enabled"]);
        leaves.Where(path => ChartFiles.SchemaNode(ChartFiles.Schema, path) is null).Should().BeEmpty();

        SchemaPaths(ChartFiles.Schema.GetProperty("properties"), "")
            .Where(path => path != "global" && !ChartFiles.ValuesDefine(ChartFiles.Values, path))
            .Should().BeEmpty("a value in the schema without a default in values.yaml is undocumented there");
    }

    [Fact]
    public void EveryValueIsDocumentedInTheChartReadmeAndTheReadmeListsNoOtherValues()
    {
        var leaves = ChartFiles.ValueLeaves(ChartFiles.Values, ChartFiles.Schema).ToList();
        var documented = ReadmeValueRow().Matches(ChartFiles.Readme).Select(m => m.Groups[1].Value).ToList();

        leaves.Except(documented).Should().BeEmpty("every value has a row in the README's values table");
        documented.Except(leaves).Should().BeEmpty("the README documents only values that exist");
        documented.Should().OnlyHaveUniqueItems();
    }

    [GeneratedRegex(@"^\| `([A-Za-z0-9_.]+)` \|", RegexOptions.Multiline)]
    private static partial Regex ReadmeValueRow();

    private static IEnumerable<string> SchemaPaths(System.Text.Json.JsonElement properties, string prefix)
    {
        foreach (var property in properties.EnumerateObject())
        {
            var node = ChartFiles.Dereference(ChartFiles.Schema, property.Value);
            if (node.TryGetProperty("properties", out var children))
            {
                foreach (var child in SchemaPaths(children, prefix + property.Name + "."))
                {
                    yield return child;
                }
            }
            else
            {
                yield return prefix + property.Name;
            }
        }
    }

    private static Dictionary<string, object?> Merge(IReadOnlyDictionary<string, object?> values, IReadOnlyDictionary<string, object?> overrides)
    {
        var merged = values.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
        {
            merged[key] = value is IReadOnlyDictionary<string, object?> map && merged.GetValueOrDefault(key) is IReadOnlyDictionary<string, object?> existing
                ? Merge(existing, map)
                : value;
        }

        return merged;
    }
}
