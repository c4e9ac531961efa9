using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebhookSolver.Credentials;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>Route53 calls, throttling, retries and batch sizes are recorded on their instruments, labelled by operation and outcome.</summary>
public sealed class Route53MetricsTests
{
    [Fact]
    public async Task Route53CallsThrottlingRetriesAndBatchSizesAreRecorded()
    {
        await using var fake = await FakeRoute53.StartAsync();
        fake.AddCredentials(Route53Harness.AccessKey, Route53Harness.SecretKey);
        fake.AddZone("example.com");
        fake.FailNext("ChangeResourceRecordSets", FakeRoute53.Throttling);
        var settings = Route53Harness.FastSettings(fake.Endpoint);
        settings["Webhook:Local"] = "true";
        settings["Metrics:Port"] = "0";
        // The three Presents in one round that reads first, so every count below is exact.
        settings["Route53:WriteStrategy"] = "FixedWindow";
        settings["Route53:BatchWindow"] = "00:00:00.500";
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(settings));
            web.ConfigureTestServices(services =>
                services.Replace(ServiceDescriptor.Singleton<ICredentialSource>(new FixedCredentialSource(Route53Harness.Credentials))));
        });
        using var client = factory.CreateClient();
        var meters = factory.Services.GetRequiredService<IMeterFactory>();
        using var calls = new MetricCollector<long>(meters, WebhookMeter.Name, "webhook_route53_requests_total");
        using var seconds = new MetricCollector<double>(meters, WebhookMeter.Name, "webhook_route53_request_duration_seconds");
        using var throttled = new MetricCollector<long>(meters, WebhookMeter.Name, "webhook_route53_throttled_total");
        using var retries = new MetricCollector<long>(meters, WebhookMeter.Name, "webhook_route53_retries_total");
        using var batchSizes = new MetricCollector<double>(meters, WebhookMeter.Name, "webhook_route53_change_batch_size");
        using var challenges = new MetricCollector<long>(meters, WebhookMeter.Name, "webhook_challenge_requests_total");

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

        Sum(calls, ("operation", "ChangeResourceRecordSets"), ("outcome", "Throttling")).Should().Be(1);
        Sum(calls, ("operation", "ChangeResourceRecordSets"), ("outcome", "success")).Should().Be(1);
        Sum(calls, ("operation", "ListHostedZonesByName"), ("outcome", "success")).Should().Be(1);
        Sum(calls, ("operation", "ListResourceRecordSets"), ("outcome", "success")).Should().Be(1);
        seconds.GetMeasurementSnapshot().Count(m => m.MatchesTags(Tags(("operation", "ChangeResourceRecordSets")))).Should().Be(2);
        Sum(throttled, ("operation", "ChangeResourceRecordSets"), ("code", "Throttling")).Should().Be(1);
        Sum(retries, ("operation", "ChangeResourceRecordSets")).Should().Be(1);
        // Three Presents coalesced into one batch of three changes, sent twice (the first answer was Throttling).
        batchSizes.GetMeasurementSnapshot().Select(m => m.Value).Should().Equal(3, 3);
        Sum(challenges, ("action", "Present"), ("outcome", "success")).Should().Be(3);
    }

    private static long Sum(MetricCollector<long> collector, params (string Key, string Value)[] tags) =>
        collector.GetMeasurementSnapshot().Where(m => m.MatchesTags(Tags(tags))).Sum(m => m.Value);

    private static KeyValuePair<string, object?>[] Tags(params (string Key, string Value)[] tags) =>
        [.. tags.Select(tag => new KeyValuePair<string, object?>(tag.Key, tag.Value))];
}
