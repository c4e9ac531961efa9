using Microsoft.Extensions.DependencyInjection;
using WebhookSolver.Challenges;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>Several replicas and other tools write one name at once: no value is ever lost, no foreign value removed.</summary>
public sealed class ConcurrencyTests
{
    private const string Name = "_acme-challenge.example.com.";

    /// <param name="keysPerReplica">above one, each replica's concurrent challenges are coalesced into shared batches</param>
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 3)]
    public async Task TwoIndependentSolversPresentAndCleanUpConcurrentlyWithoutLosingOrRemovingForeignValues(bool multivalue, int keysPerReplica)
    {
        await using var fake = await FakeRoute53.StartAsync();
        fake.AddCredentials(Route53Harness.AccessKey, Route53Harness.SecretKey);
        var zone = fake.AddZone("example.com");
        fake.Put(zone, multivalue
            ? new FakeRecordSet(Name, "TXT", 10, ["\"foreign-0\""], "\"foreign-0\"", MultiValueAnswer: true)
            : new FakeRecordSet(Name, "TXT", 120, ["\"foreign-0\""]));

        // Faults: throttling on a fifth of the calls, and another tool adding a value at the worst moment on a third of the batches.
        var random = new Random(1234);
        var foreign = new List<string> { "foreign-0" };
        fake.Inject((_, _) =>
        {
            lock (random)
            {
                return random.NextDouble() < 0.2 ? FakeRoute53.Throttling : null;
            }
        });
        fake.BeforeChange = f =>
        {
            lock (random)
            {
                if (random.NextDouble() >= 0.33)
                {
                    return;
                }

                var text = $"foreign-{foreign.Count}";
                foreign.Add(text);
                if (multivalue)
                {
                    f.Put(zone, new FakeRecordSet(Name, "TXT", 10, [$"\"{text}\""], $"\"{text}\"", MultiValueAnswer: true));
                }
                else
                {
                    var current = f.RecordSets(zone, Name).Single();
                    f.Put(zone, current with { Values = [.. current.Values, $"\"{text}\""] });
                }
            }
        };

        var settings = new Dictionary<string, string?> { ["Route53:MaxSwapAttempts"] = "30" };
        await using var replicaA = Route53Harness.BuildServices(fake.Endpoint, settings);
        await using var replicaB = Route53Harness.BuildServices(fake.Endpoint, settings);
        var solverA = replicaA.GetRequiredService<ISolver>();
        var solverB = replicaB.GetRequiredService<ISolver>();

        for (var round = 0; round < 12; round++)
        {
            var keysA = Enumerable.Range(0, keysPerReplica).Select(k => $"replica-a-{round}-{k}").ToList();
            var keysB = Enumerable.Range(0, keysPerReplica).Select(k => $"replica-b-{round}-{k}").ToList();
            await Task.WhenAll([
                .. keysA.Select(key => solverA.PresentAsync(Route53Harness.Challenge(key), CancellationToken.None)),
                .. keysB.Select(key => solverB.PresentAsync(Route53Harness.Challenge(key), CancellationToken.None))]);
            fake.TxtTexts(zone, Name).Should().Contain([.. keysA, .. keysB], "every key is presented in round {0}", round);

            await Task.WhenAll([
                .. keysA.Select(key => solverA.CleanUpAsync(Route53Harness.Challenge(key), CancellationToken.None)),
                .. keysB.Select(key => solverB.CleanUpAsync(Route53Harness.Challenge(key), CancellationToken.None))]);
            fake.TxtTexts(zone, Name).Should().NotContain([.. keysA, .. keysB], "every key is cleaned up in round {0}", round);
        }

        lock (random)
        {
            fake.TxtTexts(zone, Name).Should().BeEquivalentTo(foreign, "no foreign value is ever removed");
            foreign.Count.Should().BeGreaterThan(3, "the test must have injected conflicts");
        }

        fake.Calls("ChangeResourceRecordSets").Should().BeGreaterThan(48, "conflicts and throttling forced retries");
        if (keysPerReplica > 1)
        {
            var folded = Enumerable.Range(0, 12).Count(round => fake.Server.Requests.Any(request => request.Method == "POST"
                && Enumerable.Range(0, keysPerReplica).All(k => request.BodyText.Contains($"\"replica-a-{round}-{k}\"", StringComparison.Ordinal))));
            folded.Should().BeGreaterThan(0, "a replica's concurrent keys at one name are written in one batch");
        }
    }
}
