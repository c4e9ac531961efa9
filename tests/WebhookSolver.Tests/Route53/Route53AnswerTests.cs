using WebhookSolver.Credentials;
using WebhookSolver.Route53;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>What Route53 answers is an outside value too: redirects are not followed, and ids that become paths are checked.</summary>
public sealed class Route53AnswerTests
{
    private static readonly AwsIdentity Identity = new(Route53Harness.Credentials, null);

    [Theory]
    [InlineData(301)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task ARedirectIsAFailureAndTheSignedRequestIsNotSentElsewhere(int status)
    {
        await using var elsewhere = await FakeHttpServer.StartAsync("redirect target", (RecordedRequest _) => (FakeResponse?)null);
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Inject((_, _) => new FakeResponse(status) { Headers = new Dictionary<string, string> { ["Location"] = elsewhere.BaseAddress + "steal" } });

        var call = () => harness.Get<Route53Client>().ListResourceRecordSetsAsync(Identity, zone, "example.com.", "TXT", null, CancellationToken.None);

        (await call.Should().ThrowAsync<Route53Exception>()).Which.Message.Should()
            .Contain($"redirect (HTTP {status})").And.Contain("never followed");
        elsewhere.Requests.Should().BeEmpty();
        harness.Fake.Server.Requests.Should().ContainSingle("a redirect is not retried either");
    }

    [Theory]
    [InlineData("/hostedzone/Z1/../../x")]
    [InlineData("/hostedzone/Z1?x=1")]
    [InlineData("/hostedzone/")]
    [InlineData("/hostedzone/z1\r\nX-Evil: 1")]
    public async Task AHostedZoneIdOutsideItsFormatInAnAnswerIsRefused(string id)
    {
        await using var harness = await Route53Harness.StartAsync();
        harness.Fake.Inject((operation, _) => operation == "ListHostedZonesByName"
            ? new FakeResponse(200, $"""
                <?xml version="1.0" encoding="UTF-8"?>
                <ListHostedZonesByNameResponse xmlns="{FakeRoute53.Namespace}">
                  <HostedZones>
                    <HostedZone>
                      <Id>{System.Security.SecurityElement.Escape(id)}</Id><Name>example.com.</Name><CallerReference>r</CallerReference>
                      <Config><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>2</ResourceRecordSetCount>
                    </HostedZone>
                  </HostedZones>
                  <DNSName>example.com</DNSName><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems>
                </ListHostedZonesByNameResponse>
                """, "text/xml")
            : null);

        var call = () => harness.Get<Route53Client>().ListHostedZonesByNameAsync(Identity, "example.com.", null, CancellationToken.None);

        (await call.Should().ThrowAsync<Route53Exception>()).Which.Message.Should()
            .Contain("a hosted zone id that is not").And.NotContain("..").And.NotContain("X-Evil");
        harness.Fake.Server.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task AChangeIdOutsideItsFormatIsRefusedBeforeItBecomesAPath()
    {
        await using var harness = await Route53Harness.StartAsync();
        harness.Fake.Inject((operation, _) => operation == "GetChange"
            ? null
            : new FakeResponse(200, $"""
                <?xml version="1.0" encoding="UTF-8"?>
                <ChangeResourceRecordSetsResponse xmlns="{FakeRoute53.Namespace}">
                  <ChangeInfo><Id>/change/../../hostedzone/Z9</Id><Status>PENDING</Status><SubmittedAt>2026-01-01T00:00:00Z</SubmittedAt></ChangeInfo>
                </ChangeResourceRecordSetsResponse>
                """, "text/xml"));

        var call = () => harness.Get<Route53Client>().ChangeResourceRecordSetsAsync(Identity, "Z1", [], CancellationToken.None);

        (await call.Should().ThrowAsync<Route53Exception>()).Which.Message.Should().Contain("a change id that is not");
    }
}
