using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebhookSolver.Credentials;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>
/// cert-manager's DNS01 conformance scenarios (test/acme/suite.go: basic Present/CleanUp and the "strict" extended
/// mode), ported: the webhook is called over HTTP exactly as the aggregator calls it, and writes to the fake Route53.
/// </summary>
public sealed class ConformanceTests : IAsyncLifetime
{
    private const string SolverPath = "/apis/acme.example.com/v1alpha1/route53";
    private const string Fqdn = "_acme-challenge.conformance.example.com.";

    private FakeRoute53 _fake = null!;
    private WebApplicationFactory<Program> _factory = null!;
    private string _zone = "";

    public async Task InitializeAsync()
    {
        _fake = await FakeRoute53.StartAsync();
        _fake.AddCredentials(Route53Harness.AccessKey, Route53Harness.SecretKey);
        _fake.AddZone("com");
        _zone = _fake.AddZone("example.com");
        var settings = Route53Harness.FastSettings(_fake.Endpoint);
        settings["Webhook:Local"] = "true";
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(settings));
            web.ConfigureTestServices(services =>
                services.Replace(ServiceDescriptor.Singleton<ICredentialSource>(new FixedCredentialSource(Route53Harness.Credentials))));
        });
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private async Task<(bool Success, string? Message)> CallAsync(string action, string key)
    {
        using var client = _factory.CreateClient();
        var payload = new
        {
            apiVersion = "webhook.acme.cert-manager.io/v1alpha1",
            kind = "ChallengePayload",
            request = new
            {
                uid = Guid.NewGuid().ToString(),
                action,
                type = "dns-01",
                dnsName = "conformance.example.com",
                key,
                resourceNamespace = "cert-manager",
                resolvedFQDN = Fqdn,
                resolvedZone = "example.com.",
                allowAmbientCredentials = false,
                config = new { region = "us-east-1" },
            },
        };
        using var response = await client.PostAsJsonAsync(SolverPath, payload);
        response.StatusCode.Should().Be(HttpStatusCode.Created);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var answer = body.RootElement.GetProperty("response");
        var message = answer.TryGetProperty("status", out var status) ? status.GetProperty("message").GetString() : null;
        return (answer.GetProperty("success").GetBoolean(), message);
    }

    private IReadOnlyList<string> Published() => _fake.TxtTexts(_zone, Fqdn);

    [Fact]
    public async Task PresentPublishesTheKeyAndCleanUpRemovesIt()
    {
        (await CallAsync("Present", "conformance-key")).Success.Should().BeTrue();
        Published().Should().Equal("conformance-key");

        (await CallAsync("CleanUp", "conformance-key")).Success.Should().BeTrue();
        Published().Should().BeEmpty();
        _fake.RecordSets(_zone, Fqdn).Should().BeEmpty();
    }

    [Fact]
    public async Task CleanUpASecondTimeSucceeds()
    {
        (await CallAsync("Present", "conformance-key")).Success.Should().BeTrue();
        (await CallAsync("CleanUp", "conformance-key")).Success.Should().BeTrue();

        (await CallAsync("CleanUp", "conformance-key")).Success.Should().BeTrue();
        Published().Should().BeEmpty();
    }

    [Fact]
    public async Task StrictModeTwoKeysAtOneNameAndCleanUpOfOneKeepsTheOther()
    {
        (await CallAsync("Present", "first-key")).Success.Should().BeTrue();
        (await CallAsync("Present", "second-key")).Success.Should().BeTrue();
        Published().Should().BeEquivalentTo("first-key", "second-key");

        (await CallAsync("CleanUp", "first-key")).Success.Should().BeTrue();

        Published().Should().Equal("second-key");
    }

    [Fact]
    public async Task ARefusedChangeIsAnsweredAsFailureWithTheActionableMessage()
    {
        _fake.Inject((operation, _) => operation == "ChangeResourceRecordSets" ? FakeRoute53.AccessDenied(operation, _zone) : null);

        var (success, message) = await CallAsync("Present", "conformance-key");

        success.Should().BeFalse();
        message.Should().StartWith($"Route53 denied ChangeResourceRecordSets on hosted zone {_zone}: allow the action route53:ChangeResourceRecordSets");
    }
}
