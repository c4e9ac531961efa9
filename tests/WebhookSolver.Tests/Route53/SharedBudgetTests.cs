using Microsoft.Extensions.DependencyInjection;
using WebhookSolver.Challenges;
using WebhookSolver.Route53;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>
/// Several replicas of one deployment, each with its own limiter, during a renewal wave against one throttled
/// account: together they spend no more than the deployment's budget, because each takes a share counted through
/// Leases.
/// </summary>
public sealed class SharedBudgetTests
{
    private const double Rate = 10;
    private const int Burst = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private static readonly Dictionary<string, string?> Budget = new()
    {
        ["Route53:RequestsPerSecond"] = Rate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Route53:Burst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Route53:MaxSwapAttempts"] = "30",
    };

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ReplicasInAWaveTogetherFitOneBucketOfTheDeploymentsBudget(int count)
    {
        await using var kubernetes = await FakeKubernetesApi.StartAsync();
        await using var route53 = await FakeRoute53.StartAsync();
        route53.AddCredentials(Route53Harness.AccessKey, Route53Harness.SecretKey);
        var zones = AddZones(route53);
        var replicas = await StartAsync(count, kubernetes, route53);
        try
        {
            await Until(() => replicas.All(r => r.Membership.Replicas == count));
            var throttle = await WarmUpAndThrottleAsync(replicas, route53);
            replicas.Select(Share).Should().AllSatisfy(share => share.Should().BeApproximately(1.0 / count, 1e-9));
            var challenges = Wave(replicas, zones, perReplica: 8);

            await Task.WhenAll(challenges.Select(c => c.Replica.Solver.PresentAsync(c.Request, CancellationToken.None)));
            foreach (var (_, zoneId, request) in challenges)
            {
                route53.TxtTexts(zoneId, request.ResolvedFQDN).Should().Contain(request.Key);
            }

            await Task.WhenAll(challenges.Select(c => c.Replica.Solver.CleanUpAsync(c.Request, CancellationToken.None)));

            zones.SelectMany(zone => route53.RecordSets(zone.Id)).Where(set => set.Type == "TXT").Should().BeEmpty("every value is cleaned up");
            throttle.Throttled.Should().Be(0, "the account's bucket is exactly the deployment's budget");
            TokenBucket.SmallestBurst(throttle.Arrivals, Rate).Should().BeLessThanOrEqualTo(Burst + 1,
                "all replicas' calls fit one bucket of the deployment's rate and burst, give or take one token of timer jitter");
            throttle.Arrivals.Should().HaveCountGreaterThan(Burst * 2, "the wave outlasted the burst: the rate limited it");
        }
        finally
        {
            await Task.WhenAll(replicas.Select(r => r.StopAsync()));
        }

        kubernetes.Leases.In(InProcessReplica.Namespace).Should().BeEmpty("each replica deletes its Lease on a graceful shutdown");
    }

    [Fact]
    public async Task AReplicaKilledMidWaveGivesItsShareBackToTheOthers()
    {
        await using var kubernetes = await FakeKubernetesApi.StartAsync();
        await using var route53 = await FakeRoute53.StartAsync();
        route53.AddCredentials(Route53Harness.AccessKey, Route53Harness.SecretKey);
        var zones = AddZones(route53);
        var replicas = await StartAsync(3, kubernetes, route53);
        var (survivors, killed) = (replicas[..2], replicas[2]);
        try
        {
            await Until(() => replicas.All(r => r.Membership.Replicas == 3));
            var throttle = await WarmUpAndThrottleAsync(replicas, route53);
            var challenges = Wave(replicas, zones, perReplica: 8);

            var presents = challenges.Select(async c =>
            {
                try
                {
                    await c.Replica.Solver.PresentAsync(c.Request, CancellationToken.None);
                    return true;
                }
                catch (Exception e)
                    when (c.Replica == killed && e is ObjectDisposedException or OperationCanceledException or SolverException or HttpRequestException)
                {
                    return false;
                }
            }).ToList();
            await Until(() => throttle.Arrivals.Count >= 6);
            await killed.KillAsync();

            await Until(() => survivors.All(r => r.Membership.Replicas == 2), "within the Lease duration of 2s and a renewal");
            survivors.Select(Share).Should().AllSatisfy(share => share.Should().Be(0.5));
            kubernetes.Leases.In(InProcessReplica.Namespace).Should().ContainKey(killed.PodName, "a killed replica cannot delete its Lease");

            // cert-manager tries a failed Present again, and the aggregator sends it to a replica that is alive.
            var done = await Task.WhenAll(presents);
            var retried = challenges.Where((_, i) => !done[i]).Select((c, i) => c with { Replica = survivors[i % 2] }).ToList();
            await Task.WhenAll(retried.Select(c => c.Replica.Solver.PresentAsync(c.Request, CancellationToken.None)));
            foreach (var (_, zoneId, request) in challenges)
            {
                route53.TxtTexts(zoneId, request.ResolvedFQDN).Should().Contain(request.Key);
            }

            var cleanUps = challenges.Select((c, i) => c.Replica == killed ? c with { Replica = survivors[i % 2] } : c);
            await Task.WhenAll(cleanUps.Select(c => c.Replica.Solver.CleanUpAsync(c.Request, CancellationToken.None)));

            zones.SelectMany(zone => route53.RecordSets(zone.Id)).Where(set => set.Type == "TXT").Should().BeEmpty();
            throttle.Throttled.Should().Be(0);
            TokenBucket.SmallestBurst(throttle.Arrivals, Rate).Should().BeLessThanOrEqualTo(Burst + 1);
        }
        finally
        {
            await Task.WhenAll(survivors.Select(r => r.StopAsync()));
            await killed.DisposeAsync();
        }
    }

    /// <summary>
    /// Each replica's first call is slow (code run for the first time, a new connection), and a late first call
    /// bunches with the next ones in the account's bucket: one challenge per replica, in a zone of its own, before
    /// the account's limit is switched on.
    /// </summary>
    private static async Task<FakeRoute53Throttle> WarmUpAndThrottleAsync(InProcessReplica[] replicas, FakeRoute53 route53)
    {
        var warm = route53.AddZone("warm-up.example.com");
        foreach (var replica in replicas)
        {
            var request =
                Route53Harness.Challenge($"warm-up-{replica.PodName}", $"_acme-challenge.{replica.PodName}.warm-up.example.com.", "warm-up.example.com.");
            await replica.Solver.PresentAsync(request, CancellationToken.None);
            await replica.Solver.CleanUpAsync(request, CancellationToken.None);
        }

        route53.TxtTexts(warm, "_acme-challenge.webhook-7d9f-a.warm-up.example.com.").Should().BeEmpty();
        // The limiters spent tokens on the warm-up: the account's bucket starts once theirs are full again.
        await Task.Delay(TimeSpan.FromSeconds(Burst / Rate));
        return FakeRoute53Throttle.Attach(route53, Rate, Burst);
    }

    private static double Share(InProcessReplica replica) => replica.Services.GetRequiredService<Route53Budget>().Share;

    private static List<(string Id, string Name)> AddZones(FakeRoute53 route53) =>
        [.. Enumerable.Range(1, 3).Select(k => $"zone{k}.example.com").Select(zone => (route53.AddZone(zone), zone))];

    private static async Task<InProcessReplica[]> StartAsync(int count, FakeKubernetesApi kubernetes, FakeRoute53 route53)
    {
        var replicas = new List<InProcessReplica>();
        for (var i = 0; i < count; i++)
        {
            replicas.Add(await InProcessReplica.StartAsync($"webhook-7d9f-{(char)('a' + i)}", kubernetes, route53.Endpoint, Budget));
        }

        return [.. replicas];
    }

    /// <summary>Distinct names spread round-robin over the zones, <paramref name="perReplica"/> for each replica.</summary>
    private static List<WaveChallenge> Wave(InProcessReplica[] replicas, List<(string Id, string Name)> zones, int perReplica) =>
    [
        .. Enumerable.Range(0, replicas.Length * perReplica).Select(i =>
        {
            var (id, zone) = zones[i % zones.Count];
            var request = Route53Harness.Challenge($"key-{i}", $"_acme-challenge.host{i}.{zone}.", $"{zone}.");
            return new WaveChallenge(replicas[i % replicas.Length], id, request);
        }),
    ];

    private static Task Until(Func<bool> condition, string because = "") => Poll.UntilAsync(condition, Patience, because);

    private sealed record WaveChallenge(InProcessReplica Replica, string ZoneId, ChallengeRequest Request);
}
