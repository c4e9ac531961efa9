using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebhookSolver.Credentials;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>Route53 calls, throttling, retries and batch sizes reach /metrics, labelled by operation and outcome.</summary>
public sealed class Route53MetricsTests
{
    [Fact]
    public async Task Route53CallsThrottlingRetriesAndBatchSizesAppearAtMetrics()
    {
        await using var fake = await FakeRoute53.StartAsync();
        fake.AddCredentials(Route53Harness.AccessKey, Route53Harness.SecretKey);
        fake.AddZone("example.com");
        fake.FailNext("ChangeResourceRecordSets", FakeRoute53.Throttling);
        var settings = Route53Harness.FastSettings(fake.Endpoint);
        settings["Webhook:Local"] = "true";
        settings["Metrics:Port"] = "0";
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(settings));
            web.ConfigureTestServices(services =>
                services.Replace(ServiceDescriptor.Singleton<ICredentialSource>(new FixedCredentialSource(Route53Harness.Credentials))));
        });
        using var client = factory.CreateClient();

        await Task.WhenAll(new[] { "a", "b", "c" }.Select(async name =>
        {
            using var response = await client.PostAsJsonAsync("/apis/acme.example.com/v1alpha1/route53", new
            {
                request = new
                {
                    uid = name,
                    action = "Present",
                    type = "dns-01",
                    dnsName = $"{name}.example.com",
                    key = $"key-{name}",
                    resourceNamespace = "cert-manager",
                    resolvedFQDN = $"_acme-challenge.{name}.example.com.",
                    resolvedZone = "example.com.",
                },
            });
            (await response.Content.ReadAsStringAsync()).Should().Contain("\"success\":true");
        }));
        var text = await client.GetStringAsync("/metrics");

        text.Should().Contain("webhook_route53_requests_total{operation=\"ChangeResourceRecordSets\",outcome=\"Throttling\"} 1")
            .And.Contain("webhook_route53_requests_total{operation=\"ChangeResourceRecordSets\",outcome=\"success\"} 1")
            .And.Contain("webhook_route53_requests_total{operation=\"ListHostedZonesByName\",outcome=\"success\"} 1")
            .And.Contain("webhook_route53_requests_total{operation=\"ListResourceRecordSets\",outcome=\"success\"} 1")
            .And.Contain("webhook_route53_request_duration_seconds_count{operation=\"ChangeResourceRecordSets\"} 2")
            .And.Contain("webhook_route53_throttled_total{code=\"Throttling\",operation=\"ChangeResourceRecordSets\"} 1")
            .And.Contain("webhook_route53_retries_total{operation=\"ChangeResourceRecordSets\"} 1")
            .And.Contain("webhook_route53_change_batch_size_bucket{le=\"2\"} 0")
            .And.Contain("webhook_route53_change_batch_size_bucket{le=\"5\"} 2")
            .And.Contain("webhook_challenge_requests_total{action=\"Present\",outcome=\"success\"} 3");
    }
}
