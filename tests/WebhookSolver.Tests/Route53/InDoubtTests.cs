using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WebhookSolver.Challenges;
using WebhookSolver.Credentials;
using WebhookSolver.Route53;
using WebhookSolver.Solver;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>
/// Route53 faults leave nothing behind: a change whose answer never came may land later, and the final state of its keys
/// is put back; a re-created zone is found again; an unreadable answer is retried.
/// </summary>
public sealed class InDoubtTests
{
    private const string Name = "_acme-challenge.example.com.";

    private static string Fqdn(int i) => $"_acme-challenge.app{i}.example.com.";

    private sealed class Setup(FakeRoute53 fake, ServiceProvider services, FakeLogCollector logs) : IAsyncDisposable
    {
        public FakeRoute53 Fake { get; } = fake;

        public ISolver Solver { get; } = services.GetRequiredService<ISolver>();

        public FakeLogCollector Logs { get; } = logs;

        public async ValueTask DisposeAsync()
        {
            await services.DisposeAsync();
            await Fake.DisposeAsync();
        }
    }

    /// <summary>Attempts given up after 300 ms, so a held request is in doubt quickly; repairs look every 300 ms.</summary>
    private static async Task<Setup> StartAsync(Dictionary<string, string?>? extra = null)
    {
        var fake = await FakeRoute53.StartAsync();
        fake.AddCredentials(Route53Harness.AccessKey, Route53Harness.SecretKey);
        var values = Route53Harness.FastSettings(fake.Endpoint);
        values["Route53:AttemptTimeout"] = "00:00:00.300";
        foreach (var (key, value) in extra ?? [])
        {
            values[key] = value;
        }

        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddLogging(builder => builder.SetMinimumLevel(LogLevel.Information).AddProvider(new FakeLoggerProvider(logs)));
        services.AddSingleton<ICredentialSource>(new FixedCredentialSource(Route53Harness.Credentials));
        services.AddRoute53Solver(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        return new Setup(fake, services.BuildServiceProvider(), logs);
    }

    /// <summary>Waits (at most <paramref name="limit"/>) until <paramref name="done"/> holds.</summary>
    private static async Task<bool> EventuallyAsync(Func<bool> done, TimeSpan limit)
    {
        var until = DateTimeOffset.UtcNow + limit;
        while (!done())
        {
            if (DateTimeOffset.UtcNow > until)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    [Fact]
    public async Task APresentDeliveredAfterItsCleanUpSucceededIsUndone()
    {
        await using var setup = await StartAsync();
        var zone = setup.Fake.AddZone("example.com");
        setup.Fake.HoldNextChanges(1);

        await setup.Solver.PresentAsync(Route53Harness.Challenge("ghost"), CancellationToken.None);
        setup.Fake.Held.Should().Be(1, "the first attempt never got an answer");
        setup.Fake.TxtTexts(zone, Name).Should().Equal("ghost");
        await setup.Solver.CleanUpAsync(Route53Harness.Challenge("ghost"), CancellationToken.None);
        setup.Fake.TxtTexts(zone, Name).Should().BeEmpty();

        // Applied: the value is back (the repair may already be under way, so only Route53's answer is checked here).
        setup.Fake.ReleaseHeld().Should().Equal([200], "the held CREATE finds the name empty and is applied");

        (await EventuallyAsync(() => setup.Fake.TxtTexts(zone, Name).Count == 0, TimeSpan.FromSeconds(5)))
            .Should().BeTrue("a late write is undone within two attempt timeouts of landing, here well within 5 s");
        setup.Logs.GetSnapshot().Should().Contain(e => e.Id.Id == 3305, "the change in doubt is logged")
            .And.Contain(e => e.Id.Id == 3306 && e.Message.Contains("put back to absent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACleanUpDeliveredAfterALaterPresentSucceededIsUndone()
    {
        await using var setup = await StartAsync();
        var zone = setup.Fake.AddZone("example.com");
        setup.Fake.Put(zone, new FakeRecordSet(Name, "TXT", 60, ["\"foreign\""]));

        await setup.Solver.PresentAsync(Route53Harness.Challenge("key"), CancellationToken.None);
        setup.Fake.HoldNextChanges(1);
        await setup.Solver.CleanUpAsync(Route53Harness.Challenge("key"), CancellationToken.None);
        setup.Fake.TxtTexts(zone, Name).Should().Equal("foreign");
        await setup.Solver.PresentAsync(Route53Harness.Challenge("key"), CancellationToken.None);
        setup.Fake.TxtTexts(zone, Name).Should().BeEquivalentTo("foreign", "key");

        setup.Fake.ReleaseHeld().Should().Equal([200], "the held swap finds exactly the set it was made for and removes the key again");

        (await EventuallyAsync(() => setup.Fake.TxtTexts(zone, Name).Count == 2, TimeSpan.FromSeconds(5))).Should().BeTrue();
        setup.Fake.TxtTexts(zone, Name).Should().BeEquivalentTo("foreign", "key");
    }

    [Fact]
    public async Task ACoalescedBatchDeliveredAfterItsCleanUpsSucceededIsUndoneForEveryName()
    {
        await using var setup = await StartAsync(new() { ["Route53:WriteStrategy"] = "FixedWindow", ["Route53:BatchWindow"] = "00:00:00.300" });
        var zone = setup.Fake.AddZone("example.com");
        setup.Fake.HoldNextChanges(1);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            setup.Solver.PresentAsync(Route53Harness.Challenge($"key-{i}", Fqdn(i)), CancellationToken.None)));
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            setup.Solver.CleanUpAsync(Route53Harness.Challenge($"key-{i}", Fqdn(i)), CancellationToken.None)));
        setup.Fake.RecordSets(zone).Should().BeEmpty();

        setup.Fake.ReleaseHeld().Should().Equal([200], "the held batch re-creates every name");

        (await EventuallyAsync(() => setup.Fake.RecordSets(zone).Count == 0, TimeSpan.FromSeconds(5))).Should().BeTrue();
    }

    [Fact]
    public async Task ACoalescedCleanUpDeliveredAfterLaterPresentsSucceededIsUndoneForEveryName()
    {
        await using var setup = await StartAsync(new() { ["Route53:WriteStrategy"] = "FixedWindow", ["Route53:BatchWindow"] = "00:00:00.300" });
        var zone = setup.Fake.AddZone("example.com");
        Task All(string action) => Task.WhenAll(Enumerable.Range(0, 10).Select(i => action == "Present"
            ? setup.Solver.PresentAsync(Route53Harness.Challenge($"key-{i}", Fqdn(i)), CancellationToken.None)
            : setup.Solver.CleanUpAsync(Route53Harness.Challenge($"key-{i}", Fqdn(i)), CancellationToken.None)));

        await All("Present");
        setup.Fake.HoldNextChanges(1);
        await All("CleanUp");
        setup.Fake.RecordSets(zone).Should().BeEmpty();
        await All("Present");
        setup.Fake.RecordSets(zone).Should().HaveCount(10);

        setup.Fake.ReleaseHeld().Should().Equal([200], "the held DELETEs find exactly the sets they were made for");

        (await EventuallyAsync(() => Enumerable.Range(0, 10).All(i => setup.Fake.TxtTexts(zone, Fqdn(i)).SequenceEqual([$"key-{i}"])), TimeSpan.FromSeconds(5)))
            .Should().BeTrue("every key a later Present answered for is put back");
    }

    [Fact]
    public async Task ALateRequestOlderThanTheSignatureLifetimeIsRefusedByTheFakeAsByAws()
    {
        await using var setup = await StartAsync();
        var zone = setup.Fake.AddZone("example.com");
        setup.Fake.HoldNextChanges(1);
        await setup.Solver.PresentAsync(Route53Harness.Challenge("old"), CancellationToken.None);
        await setup.Solver.CleanUpAsync(Route53Harness.Challenge("old"), CancellationToken.None);

        setup.Fake.SignatureLifetime = TimeSpan.Zero;

        setup.Fake.ReleaseHeld().Should().Equal([403]);
        setup.Fake.TxtTexts(zone, Name).Should().BeEmpty();
    }

    [Fact]
    public async Task AnUnreadableAnswerToAnAppliedChangeIsRetriedAfterReadingAndCountedAsMalformed()
    {
        await using var setup = await StartAsync();
        var zone = setup.Fake.AddZone("example.com");
        setup.Fake.GarbleNext("ChangeResourceRecordSets");
        setup.Fake.GarbleNext("ListHostedZonesByName");

        await setup.Solver.PresentAsync(Route53Harness.Challenge("k"), CancellationToken.None);

        setup.Fake.TxtTexts(zone, Name).Should().Equal("k");
        setup.Fake.Calls("ChangeResourceRecordSets").Should().Be(1, "the re-read found the change applied, so nothing was written again");
        setup.Fake.Calls("ListResourceRecordSets").Should().Be(1);
        setup.Fake.Calls("ListHostedZonesByName").Should().Be(2, "an unreadable list is asked again");
    }

    [Fact]
    public async Task AnswersThatStayUnreadableFailWithAMessageSayingSo()
    {
        await using var setup = await StartAsync(new() { ["Route53:Deadline"] = "00:00:01" });
        setup.Fake.AddZone("example.com");
        setup.Fake.Inject((operation, _) => operation == "ChangeResourceRecordSets" ? new FakeResponse(200, "<html>bad gateway", "text/html") : null);

        var present = () => setup.Solver.PresentAsync(Route53Harness.Challenge("k"), CancellationToken.None);

        (await present.Should().ThrowAsync<SolverException>()).Which.Message.Should().Be(
            "Route53's answer to ChangeResourceRecordSets could not be read (the answer is not Route53's XML); cert-manager will retry");
    }

    [Fact]
    public async Task AZoneDeletedAndCreatedAgainIsFoundAgainByTheSameCall()
    {
        await using var setup = await StartAsync();
        var old = setup.Fake.AddZone("example.com");
        await setup.Solver.PresentAsync(Route53Harness.Challenge("first", Fqdn(1)), CancellationToken.None);

        var recreated = setup.Fake.RecreateZone(old);
        await setup.Solver.PresentAsync(Route53Harness.Challenge("second", Fqdn(2)), CancellationToken.None);

        setup.Fake.TxtTexts(recreated, Fqdn(2)).Should().Equal("second");
        setup.Fake.Calls("ListHostedZonesByName").Should().Be(2, "the stale cached lookup is dropped and the zone found once more");
        setup.Logs.GetSnapshot().Should().Contain(e => e.Id.Id == 6001);
    }

    [Fact]
    public async Task AConfiguredZoneThatNoLongerExistsFailsWithWhatToFix()
    {
        await using var setup = await StartAsync();
        var old = setup.Fake.AddZone("example.com");
        setup.Fake.RecreateZone(old);

        var present = () => setup.Solver.PresentAsync(
            Route53Harness.Challenge("k", configJson: $"{{\"hostedZoneID\":\"{old}\"}}"), CancellationToken.None);

        (await present.Should().ThrowAsync<SolverException>()).Which.Message.Should().StartWith($"hosted zone {old} does not exist");
        setup.Fake.Calls("ListHostedZonesByName").Should().Be(0);
    }
}
