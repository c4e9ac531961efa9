using System.Globalization;
using WebhookSolver.Route53;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>What challenges cost in Route53 calls: one write per uncontended operation, and a wave that never draws Throttling.</summary>
public sealed class CallBudgetTests
{
    private static int AllCalls(FakeRoute53 fake) =>
        new[] { "ListHostedZonesByName", "ListResourceRecordSets", "ChangeResourceRecordSets", "GetChange" }.Sum(fake.Calls);

    [Fact]
    public async Task FiftyChallengesOneAfterAnotherCostOneWritePerPresentAndPerCleanUpAfterTheZoneLookups()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zones = Enumerable.Range(0, 5).Select(z => harness.Fake.AddZone($"z{z}.example.com")).ToList();

        for (var i = 0; i < 50; i++)
        {
            var zone = $"z{i % 5}.example.com.";
            var challenge = Route53Harness.Challenge($"key-{i}", $"_acme-challenge.host{i}.{zone}", zone);
            await harness.Solver.PresentAsync(challenge, CancellationToken.None);
            harness.Fake.TxtTexts(zones[i % 5], challenge.ResolvedFQDN).Should().Equal($"key-{i}");
            await harness.Solver.CleanUpAsync(challenge, CancellationToken.None);
        }

        harness.Fake.Calls("ListHostedZonesByName").Should().Be(5, "one lookup per zone, then the cache");
        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(100, "a CREATE per Present, an exact DELETE of the remembered set per CleanUp");
        harness.Fake.Calls("ListResourceRecordSets").Should().Be(0);
        AllCalls(harness.Fake).Should().BeLessThanOrEqualTo(110);
        zones.Should().OnlyContain(zone => harness.Fake.RecordSets(zone, null).Count == 0);
    }

    [Fact]
    public async Task WithTheDefaultRateLimitAWaveOfSixtyOverFiveZonesDrawsNoThrottlingFromAFiveRequestAccount()
    {
        var defaults = new Route53Options();
        await using var harness = await Route53Harness.StartAsync(new()
        {
            ["Route53:RequestsPerSecond"] = defaults.RequestsPerSecond.ToString(CultureInfo.InvariantCulture),
            ["Route53:Burst"] = defaults.Burst.ToString(CultureInfo.InvariantCulture),
            ["Route53:BatchWindow"] = defaults.BatchWindow.ToString(),
        });
        var throttle = FakeRoute53Throttle.Attach(harness.Fake, ratePerSecond: 5, burst: 5);
        var zones = Enumerable.Range(0, 5).Select(z => harness.Fake.AddZone($"z{z}.example.com")).ToList();
        var challenges = Enumerable.Range(0, 60)
            .Select(i => Route53Harness.Challenge($"key-{i}", $"_acme-challenge.host{i}.z{i % 5}.example.com.", $"z{i % 5}.example.com."))
            .ToList();

        await Task.WhenAll(challenges.Select(c => harness.Solver.PresentAsync(c, CancellationToken.None)));

        throttle.Throttled.Should().Be(0, "the burst never spends more than the account's bucket holds");
        AllCalls(harness.Fake).Should().BeLessThanOrEqualTo(15, "about one lookup and one write per zone");
        challenges.Select((c, i) => harness.Fake.TxtTexts(zones[i % 5], c.ResolvedFQDN).Single()).Should().Equal(challenges.Select(c => c.Key));
    }
}
