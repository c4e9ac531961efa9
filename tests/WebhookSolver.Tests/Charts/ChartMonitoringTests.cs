using System.Text.Json;
using System.Text.RegularExpressions;

namespace WebhookSolver.Tests.Charts;

/// <summary>
/// The dashboard and the alerts query only metrics the server exports (names from the source, types from the
/// metrics table of the docs), and every alert has a runbook entry in docs/alerts.md.
/// </summary>
public partial class ChartMonitoringTests
{
    /// <summary>cert-manager's controller exports the serving certificate's expiry; the chart alerts on it.</summary>
    private const string CertManagerExpiry = "certmanager_certificate_expiration_timestamp_seconds";

    private static readonly JsonElement Dashboard =
        JsonDocument.Parse(ChartFiles.ReadRepoFile(ChartFiles.ChartPath + "/dashboards/webhook-route53.json")).RootElement.Clone();

    [Fact]
    public void EveryDashboardExpressionQueriesAnExportedMetric()
    {
        var exported = ExportedSeries();
        var expressions = DashboardExpressions().ToList();

        expressions.Should().HaveCountGreaterThan(10);
        var problems = expressions.SelectMany(e => MetricNames(e).Where(name => !exported.Contains(name)).Select(name => $"{name} in {e}")).ToList();
        problems.Should().BeEmpty("the dashboard queries only what the server exports");
        expressions.SelectMany(MetricNames).Should().Contain(["webhook_challenge_requests_total", "webhook_route53_throttled_total",
            "webhook_route53_requests_total"]);
    }

    [Fact]
    public void EveryDashboardVariableIsDefined()
    {
        var defined = Dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToHashSet();
        var used = Variable().Matches(Dashboard.GetRawText()).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
            .Where(name => !name.StartsWith("__", StringComparison.Ordinal)).ToHashSet();

        used.Should().Contain(["datasource", "namespace", "service"]);
        used.Except(defined).Should().BeEmpty();
        Panels().Where(p => p.GetProperty("type").GetString() != "row")
            .Should().OnlyContain(p => p.GetProperty("datasource").GetProperty("uid").GetString() == "${datasource}"
                && p.GetProperty("targets").GetArrayLength() > 0);
    }

    [Fact]
    public void EveryAlertQueriesAnExportedMetricAndHasARunbookEntry()
    {
        var exported = ExportedSeries();
        exported.Add(CertManagerExpiry);
        var rules =
            RenderedChart.Render("r53", "cert-manager", "metrics: {prometheusRule: {enabled: true, runbookBaseURL: https://docs.example.com/alerts.md}}\n")
            .Single<PrometheusRule>().Spec.Groups.SelectMany(g => g.Rules).ToList();
        var runbook = ChartFiles.ReadRepoFile("docs/alerts.md");

        rules.Select(r => r.Alert).Should().Contain(["WebhookRoute53Throttled", "WebhookRoute53ChallengeFailures", "WebhookRoute53AuthenticationDenials",
            "WebhookRoute53AuthorizationDenials", "WebhookRoute53ServingCertificateExpiring"]);
        foreach (var rule in rules)
        {
            MetricNames(rule.Expr).Should().NotBeEmpty().And.OnlyContain(name => exported.Contains(name), rule.Alert);
            runbook.Should().Contain($"## {rule.Alert}\n", "docs/alerts.md has a section per alert");
            rule.Annotations!["runbook_url"].Should().Be($"https://docs.example.com/alerts.md#{rule.Alert!.ToLowerInvariant()}", "the anchor of that section");
            rule.Labels!.Should().ContainKey("severity");
        }
    }

    [Fact]
    public void TheServingCertificateAlertFiresWhenASixthOfItsLifetimeIsLeft()
    {
        var rule = RenderedChart.Render("r53", "cert-manager", "metrics: {prometheusRule: {enabled: true}}\npki: {servingCertificateDuration: 2160h}\n")
            .Single<PrometheusRule>().Spec.Groups.SelectMany(g => g.Rules).Single(r => r.Alert == "WebhookRoute53ServingCertificateExpiring");

        rule.Expr.Should().Be($"{CertManagerExpiry}{{namespace=\"cert-manager\", " +
            $"name=\"r53-cert-manager-webhook-route53-webhook-tls\"}} - time() < {2160 * 3600 / 6}");
    }

    [Fact]
    public void MetricNamesAreReadFromPromQl()
    {
        MetricNames("sum by (le, action) (rate(webhook_challenge_duration_seconds_bucket{namespace=\"$namespace\", service=~\"$service\"}[$__rate_interval]))")
            .Should().Equal("webhook_challenge_duration_seconds_bucket");
        MetricNames("a_total / on (pod) group_left b_total > bool 0.1 unless c offset 5m").Should().Equal("a_total", "b_total", "c");
        MetricNames("label_values(webhook_challenge_requests_total{namespace=\"$namespace\"}, service)").Should().Equal("webhook_challenge_requests_total");
    }

    /// <summary>Series names the server exports: every metric named in the source, plus a histogram's _bucket, _sum and _count.</summary>
    private static HashSet<string> ExportedSeries()
    {
        var inSource = Directory.EnumerateFiles(Path.Combine(ChartFiles.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => SourceMetricName().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value)).ToHashSet();
        var docs = new[] { "README.md" }.Concat(Directory.Exists(Path.Combine(ChartFiles.RepoRoot, "docs"))
                ? Directory.EnumerateFiles(Path.Combine(ChartFiles.RepoRoot, "docs"), "*.md",
                    SearchOption.AllDirectories).Select(f => Path.GetRelativePath(ChartFiles.RepoRoot, f))
                : [])
            .SelectMany(file => DocumentedMetric().Matches(ChartFiles.ReadRepoFile(file)))
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["type"].Value, StringComparer.Ordinal);

        inSource.Should().Contain("webhook_challenge_requests_total", "metric names are read from the source");
        docs.Keys.Should().BeSubsetOf(inSource, "the metrics table documents metrics the source exports");
        var series = new HashSet<string>(inSource, StringComparer.Ordinal);
        foreach (var histogram in docs.Where(d => d.Value == "histogram").Select(d => d.Key))
        {
            series.UnionWith([histogram + "_bucket", histogram + "_sum", histogram + "_count"]);
        }

        docs.Values.Should().Contain("histogram", "the metrics table gives each metric's type");
        return series;
    }

    private static IEnumerable<JsonElement> Panels() => Dashboard.GetProperty("panels").EnumerateArray()
        .SelectMany(p => p.TryGetProperty("panels", out var nested) ? nested.EnumerateArray().Prepend(p) : [p]);

    private static IEnumerable<string> DashboardExpressions() =>
        Panels().Where(p => p.TryGetProperty("targets", out _)).SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t
            => t.GetProperty("expr").GetString()!)
            .Concat(Dashboard.GetProperty("templating").GetProperty("list").EnumerateArray()
                .Where(v => v.GetProperty("type").GetString() == "query")
                .Select(v => v.GetProperty("query").GetProperty("query").GetString()!));

    private static readonly HashSet<string> Keywords =
        ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"];

    /// <summary>The metric names of a PromQL expression (or a Grafana label_values query).</summary>
    private static List<string> MetricNames(string expression)
    {
        var text = LabelValuesQuery().Replace(expression, "$1");
        text = StringLiteral().Replace(text, "");
        text = Matchers().Replace(text, "");
        text = Ranges().Replace(text, "");
        text = Grouping().Replace(text, " ");
        text = Variable().Replace(text, "");
        return Identifier().Matches(text)
            .Where(m => !Keywords.Contains(m.Value) && !text[(m.Index + m.Length)..].TrimStart().StartsWith('('))
            .Select(m => m.Value).ToList();
    }

    [GeneratedRegex(@"""(webhook_[a-z0-9_]+)""")]
    private static partial Regex SourceMetricName();

    [GeneratedRegex(@"^\| `(?<name>webhook_[a-z0-9_]+)` \| (?<type>counter|histogram|gauge|up-down counter)", RegexOptions.Multiline)]
    private static partial Regex DocumentedMetric();

    [GeneratedRegex(@"label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)[^)]*\)")]
    private static partial Regex LabelValuesQuery();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\$(?:\{(\w+)[^}]*\}|(\w+))")]
    private static partial Regex Variable();

    [GeneratedRegex(@"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex Identifier();
}
