using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Hosting;

public class MetricsTests
{
    private const string Payload = """
        {"request":{"uid":"","action":"Present","type":"dns-01","dnsName":"example.com","key":"k",
         "resourceNamespace":"cert-manager","resolvedFQDN":"_acme-challenge.example.com.","resolvedZone":"example.com.",
         "allowAmbientCredentials":true}}
        """;

    /// <summary>The one test of the exposition format: a scrape of /metrics as Prometheus reads it.</summary>
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
        response.Content.Headers.ContentType.Parameters.Should().ContainSingle(p => p.Name == "version" && p.Value == "0.0.4");
        text.Should().Contain("# TYPE webhook_challenge_requests_total counter")
            .And.Contain("# HELP webhook_challenge_requests_total Present and CleanUp calls by action and outcome")
            .And.NotContain("otel_scope_name").And.NotContain("target_info")
            .And.Contain("webhook_challenge_requests_total{action=\"Present\",outcome=\"success\"} 1")
            .And.Contain("webhook_challenge_requests_total{action=\"Present\",outcome=\"failure\"} 1")
            .And.Contain("# TYPE webhook_challenge_duration_seconds histogram")
            .And.Contain("webhook_challenge_duration_seconds_bucket{action=\"Present\",le=\"+Inf\"} 2")
            .And.Contain("webhook_challenge_duration_seconds_count{action=\"Present\"} 2");
    }

    [Fact]
    public void BatchSizesAndCacheLookupsAreRecordedOnTheirInstruments()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var batchSizes = new MetricCollector<double>(meters, WebhookMeter.Name, "webhook_route53_change_batch_size");
        using var lookups = new MetricCollector<long>(meters, WebhookMeter.Name, "webhook_credentials_cache_total");
        using var route53 = new WebhookSolver.Route53.Route53Metrics(meters);
        using var credentials = new WebhookSolver.Credentials.CredentialMetrics(meters);

        route53.ChangeBatchSent(1);
        route53.ChangeBatchSent(7);
        route53.ChangeBatchSent(7);
        credentials.CredentialLookup(cacheHit: true);

        batchSizes.GetMeasurementSnapshot().Select(m => m.Value).Should().Equal(1, 7, 7);
        var histogram = (Histogram<double>)batchSizes.Instrument!;
        histogram.Advice!.HistogramBucketBoundaries.Should().StartWith([1, 2, 5, 10]);
        lookups.LastMeasurement!.Value.Should().Be(1);
        lookups.LastMeasurement.Tags.Should().Equal(new Dictionary<string, object?> { ["result"] = "hit" });
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
