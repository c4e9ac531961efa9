using WebhookSolver.Challenges;
using WebhookSolver.Credentials;
using WebhookSolver.Route53;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

public sealed class HostedZoneFinderTests
{
    private static readonly AwsIdentity Identity = new(Route53Harness.Credentials, null);

    /// <summary>zones as "id name [private]"; expected is a zone id or the start of the error message.</summary>
    public static TheoryData<string, string, string> Choices() => new()
    {
        { "_acme-challenge.www.example.com.", "Z1 example.com", "Z1" },
        { "_acme-challenge.www.example.com.", "Z1 example.com;Z2 www.example.com", "Z2" },
        { "_acme-challenge.www.example.com.", "Z1 example.com;Z2 www.example.com private", "Z1" },
        { "_acme-challenge.www.example.com.", "Z1 example.com;Z2 other.example.com", "Z1" },
        { "_acme-challenge.www.example.com.", "Z1 example.com;Z2 example.com private", "Z1" },
        { "_acme-challenge.www.example.com.", "Z1 example.com;Z2 example.com",
            "several public hosted zones are named example.com. (Z1 example.com., Z2 example.com.)" },
        { "_acme-challenge.www.example.com.", "Z2 example.com private",
            "only private hosted zones contain _acme-challenge.www.example.com. (Z2 example.com. private)" },
        { "_acme-challenge.www.example.com.", "Z1 ample.com;Z2 www.example.com.au",
            "no Route53 hosted zone in this AWS account contains _acme-challenge.www.example.com." },
        { "_acme-challenge.www.example.com.", "Z1 Example.COM.", "Z1" },
    };

    [Theory]
    [MemberData(nameof(Choices))]
    public void TheLongestPublicZoneContainingTheNameIsChosen(string fqdn, string zones, string expected)
    {
        var candidates = zones.Split(';').Select(z => z.Split(' ')).Select(p => new HostedZone(p[0], p[1], p.Length > 2)).ToList();

        var choose = () => HostedZoneFinder.Choose(fqdn, "example.com.", candidates);

        if (expected.StartsWith('Z'))
        {
            choose().Id.Should().Be(expected);
        }
        else
        {
            choose.Should().Throw<SolverException>().Which.Message.Should().StartWith(expected);
        }
    }

    [Theory]
    [InlineData("Z123ABC", "Z123ABC")]
    [InlineData("/hostedzone/Z123ABC", "Z123ABC")]
    [InlineData(" /hostedzone/Z123ABC ", "Z123ABC")]
    public async Task AConfiguredHostedZoneIdWinsWithOrWithoutItsPrefixAndNeedsNoLookup(string configured, string expected)
    {
        await using var harness = await Route53Harness.StartAsync();

        var zone =
            await harness.Get<HostedZoneFinder>().FindAsync(Identity, configured, "_acme-challenge.example.com.", "example.com.", CancellationToken.None);

        zone.Id.Should().Be(expected);
        harness.Fake.Server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task DiscoveryPagesThroughZonesBelowTheResolvedZoneAndPicksTheDeepest()
    {
        await using var harness = await Route53Harness.StartAsync();
        harness.Fake.PageSize = 2;
        harness.Fake.AddZone("example.com");
        harness.Fake.AddZone("a.example.com");
        harness.Fake.AddZone("example-foo.com");
        harness.Fake.AddZone("b.example.com");
        var deepest = harness.Fake.AddZone("dev.team.example.com");
        harness.Fake.AddZone("x.example.com", privateZone: true);
        harness.Fake.AddZone("zzz.org");

        var zone = await harness.Get<HostedZoneFinder>().FindAsync(
            Identity, null, "_acme-challenge.api.dev.team.example.com.", "example.com.", CancellationToken.None);

        zone.Id.Should().Be(deepest);
        zone.Name.Should().Be("dev.team.example.com.");
        harness.Fake.Calls("ListHostedZonesByName").Should().BeGreaterThan(1);
        harness.Fake.Server.Requests.Should().AllSatisfy(r => r.Query["dnsname"].Should().NotBe("zzz.org"));
    }

    [Fact]
    public async Task DiscoveredZonesAreCachedButAFailedChoiceIsLookedUpAgain()
    {
        await using var harness = await Route53Harness.StartAsync();
        var finder = harness.Get<HostedZoneFinder>();

        var missing = () => finder.FindAsync(Identity, null, "_acme-challenge.example.com.", "example.com.", CancellationToken.None);
        await missing.Should().ThrowAsync<SolverException>();
        var id = harness.Fake.AddZone("example.com");
        (await finder.FindAsync(Identity, null, "_acme-challenge.example.com.", "example.com.", CancellationToken.None)).Id.Should().Be(id);
        (await finder.FindAsync(Identity, null, "_acme-challenge.www.example.com.", "example.com.", CancellationToken.None)).Id.Should().Be(id);

        harness.Fake.Calls("ListHostedZonesByName").Should().Be(2);
    }

    [Fact]
    public async Task ARecordNameOutsideTheResolvedZoneIsRefusedBeforeAnyCall()
    {
        await using var harness = await Route53Harness.StartAsync();

        var find = () => harness.Get<HostedZoneFinder>().FindAsync(Identity, null, "_acme-challenge.example.org.", "example.com.", CancellationToken.None);

        (await find.Should().ThrowAsync<SolverException>()).Which.Message.Should().Contain("is not inside the zone example.com.");
        harness.Fake.Server.Requests.Should().BeEmpty();
    }
}
