using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using WebhookSolver.Hosting;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Hosting;

public class MetricsTests
{
    private const string Payload = """
        {"request":{"uid":"","action":"Present","type":"dns-01","dnsName":"example.com","key":"k",
         "resourceNamespace":"cert-manager","resolvedFQDN":"_acme-challenge.example.com.","resolvedZone":"example.com.",
         "allowAmbientCredentials":true}}
        """;

    [Fact]
    public async Task ChallengesAreCountedByActionAndOutcomeWithALatencyHistogram()
    {
        using var factory = new WebhookFactory();
        using var client = factory.CreateClient();
        using (var content = new StringContent(Payload, Encoding.UTF8, "application/json"))
        {
            (await client.PostAsync("/apis/acme.example.com/v1alpha1/route53", content)).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        factory.Solver.Failure = new WebhookSolver.SolverException("nope");
        using (var content = new StringContent(Payload, Encoding.UTF8, "application/json"))
        {
            await client.PostAsync("/apis/acme.example.com/v1alpha1/route53", content);
        }

        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        text.Should().Contain("# TYPE webhook_challenge_requests_total counter")
            .And.Contain("webhook_challenge_requests_total{action=\"Present\",outcome=\"success\"} 1")
            .And.Contain("webhook_challenge_requests_total{action=\"Present\",outcome=\"failure\"} 1")
            .And.Contain("# TYPE webhook_challenge_duration_seconds histogram")
            .And.Contain("webhook_challenge_duration_seconds_bucket{action=\"Present\",le=\"+Inf\"} 2")
            .And.Contain("webhook_challenge_duration_seconds_count{action=\"Present\"} 2");
    }

    [Fact]
    public void HistogramBucketsAreCumulative()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(meters);
        using var route53 = new WebhookSolver.Route53.Route53Metrics(meters);
        using var credentials = new WebhookSolver.Credentials.CredentialMetrics(meters);

        route53.ChangeBatchSent(1);
        route53.ChangeBatchSent(7);
        route53.ChangeBatchSent(7);
        credentials.CredentialLookup(cacheHit: true);

        var text = exporter.Export();
        text.Should().Contain("webhook_route53_change_batch_size_bucket{le=\"1\"} 1")
            .And.Contain("webhook_route53_change_batch_size_bucket{le=\"5\"} 1")
            .And.Contain("webhook_route53_change_batch_size_bucket{le=\"10\"} 3")
            .And.Contain("webhook_route53_change_batch_size_sum 15")
            .And.Contain("webhook_credentials_cache_total{result=\"hit\"} 1");
    }

    [Fact]
    public void GaugesReportTheirLastValue()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(meters);
        using var route53 = new WebhookSolver.Route53.Route53Metrics(meters);
        using var replicas = new WebhookSolver.Kubernetes.ReplicaMetrics(meters);

        route53.BudgetShare(0.5);
        route53.BudgetShare(1.0 / 3);
        replicas.ReplicasSeen(2);
        replicas.ReplicasSeen(3);

        var text = exporter.Export();
        text.Should().Contain("# TYPE webhook_route53_budget_share gauge")
            .And.Contain($"webhook_route53_budget_share {(1.0 / 3).ToString("R", System.Globalization.CultureInfo.InvariantCulture)}\n")
            .And.Contain("# TYPE webhook_replicas_seen gauge")
            .And.Contain("webhook_replicas_seen 3\n");
    }

    [Fact]
    public async Task ThePlainMetricsPortServesMetricsAndNothingElse()
    {
        var port = Ports.Free();
        using var factory = new WebhookFactory();
        factory.Settings["Metrics:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        factory.StartOnLoopback();
        using var client = new HttpClient();

        using var metrics = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        using var discovery = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/apis/acme.example.com/v1alpha1"));
        using var content = new StringContent(Payload, Encoding.UTF8, "application/json");
        using var solver = await client.PostAsync(new Uri($"http://127.0.0.1:{port}/apis/acme.example.com/v1alpha1/route53"), content);

        metrics.StatusCode.Should().Be(HttpStatusCode.OK);
        discovery.StatusCode.Should().Be(HttpStatusCode.NotFound);
        solver.StatusCode.Should().Be(HttpStatusCode.NotFound);
        factory.Solver.Calls.Should().BeEmpty();
    }

}
