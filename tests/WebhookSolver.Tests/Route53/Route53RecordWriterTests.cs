using WebhookSolver.Challenges;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>Values of others at the same name survive every Present and CleanUp, whatever shape and whatever interleaving.</summary>
public sealed class Route53RecordWriterTests
{
    private const string Name = "_acme-challenge.example.com.";

    private static FakeRecordSet Multi(string text) => new(Name, "TXT", 10, [$"\"{text}\""], $"\"{text}\"", MultiValueAnswer: true);

    [Fact]
    public async Task PresentAddsTheKeyToTheSimpleSetOfOtherToolsAndKeepsTheirValuesAndTtl()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Put(zone, new FakeRecordSet(Name, "TXT", 300, ["\"lego-token\"", "\"certbot-token\""]));

        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        var set = harness.Fake.RecordSets(zone, Name).Single();
        set.Ttl.Should().Be(300);
        set.Values.Should().BeEquivalentTo("\"lego-token\"", "\"certbot-token\"", "\"our-key\"");
    }

    [Fact]
    public async Task PresentNextToCertManagersMultivalueSetsWritesAMultivalueSetOfItsOwn()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Put(zone, Multi("built-in-key"));

        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        harness.Fake.RecordSets(zone, Name).Should().BeEquivalentTo([Multi("built-in-key"), Multi("our-key")]);
    }

    [Fact]
    public async Task CleanUpRemovesOnlyOurMultivalueSet()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Put(zone, Multi("built-in-key"));
        harness.Fake.Put(zone, Multi("our-key"));

        await harness.Solver.CleanUpAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        harness.Fake.RecordSets(zone, Name).Should().BeEquivalentTo([Multi("built-in-key")]);
    }

    [Fact]
    public async Task PresentingTheSameKeyAgainSendsNoChange()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");

        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);
        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(1);
        harness.Fake.TxtTexts(zone, Name).Should().Equal("our-key");
    }

    [Fact]
    public async Task AValueAddedByAnotherWriterBetweenReadAndWriteSurvivesPresent()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Put(zone, new FakeRecordSet(Name, "TXT", 60, ["\"first\""]));
        var interleaved = 0;
        harness.Fake.BeforeChange = fake =>
        {
            if (Interlocked.Increment(ref interleaved) == 1)
            {
                fake.Put(zone, new FakeRecordSet(Name, "TXT", 60, ["\"first\"", "\"sneaked-in\""]));
            }
        };

        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        harness.Fake.TxtTexts(zone, Name).Should().BeEquivalentTo("first", "sneaked-in", "our-key");
        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(2);
    }

    [Fact]
    public async Task AValueAddedByAnotherWriterBetweenReadAndWriteSurvivesCleanUp()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Put(zone, new FakeRecordSet(Name, "TXT", 10, ["\"our-key\""]));
        var interleaved = 0;
        harness.Fake.BeforeChange = fake =>
        {
            if (Interlocked.Increment(ref interleaved) == 1)
            {
                fake.Put(zone, new FakeRecordSet(Name, "TXT", 10, ["\"our-key\"", "\"other-cluster\""]));
            }
        };

        await harness.Solver.CleanUpAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        harness.Fake.TxtTexts(zone, Name).Should().Equal("other-cluster");
    }

    [Fact]
    public async Task WhenCertManagerCreatesMultivalueSetsFirstPresentSwitchesToThatShape()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        var interleaved = 0;
        harness.Fake.BeforeChange = fake =>
        {
            if (Interlocked.Increment(ref interleaved) == 1)
            {
                fake.Put(zone, Multi("built-in-key"));
            }
        };

        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        harness.Fake.RecordSets(zone, Name).Should().BeEquivalentTo([Multi("built-in-key"), Multi("our-key")]);
    }

    [Fact]
    public async Task AWriterThatChangesTheNameEveryTimeMakesPresentFailAfterTheBoundedAttemptsWithoutOverwriting()
    {
        await using var harness = await Route53Harness.StartAsync(new() { ["Route53:MaxSwapAttempts"] = "3" });
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Put(zone, new FakeRecordSet(Name, "TXT", 60, ["\"v0\""]));
        var round = 0;
        harness.Fake.BeforeChange = fake => fake.Put(zone, new FakeRecordSet(Name, "TXT", 60, [$"\"v{Interlocked.Increment(ref round)}\""]));

        var present = () => harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        (await present.Should().ThrowAsync<SolverException>()).Which.Message.Should().Be(
            "the TXT records at _acme-challenge.example.com. were changed by another writer between every read and write (3 attempts); nothing was " +
                "overwritten, cert-manager will retry");
        harness.Fake.TxtTexts(zone, Name).Should().Equal("v3");
    }

    [Fact]
    public async Task CleanUpOfAMissingRecordOrValueSucceedsWithoutAChange()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");

        await harness.Solver.CleanUpAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);
        harness.Fake.Put(zone, new FakeRecordSet(Name, "TXT", 10, ["\"other\""]));
        await harness.Solver.CleanUpAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(0);
        harness.Fake.TxtTexts(zone, Name).Should().Equal("other");
    }

    [Fact]
    public async Task SetsSpreadOverSeveralPagesAreAllRead()
    {
        await using var harness = await Route53Harness.StartAsync();
        harness.Fake.PageSize = 2;
        var zone = harness.Fake.AddZone("example.com");
        foreach (var text in new[] { "a", "b", "c", "d", "our-key" })
        {
            harness.Fake.Put(zone, Multi(text));
        }

        harness.Fake.Put(zone, new FakeRecordSet("_acme-challenge.www.example.com.", "TXT", 10, ["\"our-key\""]));

        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);
        await harness.Solver.CleanUpAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        harness.Fake.TxtTexts(zone, Name).Should().BeEquivalentTo("a", "b", "c", "d");
        harness.Fake.TxtTexts(zone, "_acme-challenge.www.example.com.").Should().Equal("our-key");
        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(2,
            "the Present's CREATE for a name taken as empty is refused atomically, the read then finds the key");
    }

    [Fact]
    public async Task WithWaitForInsyncPresentReturnsOnceTheChangeIsInsync()
    {
        await using var harness = await Route53Harness.StartAsync(new() { ["Route53:WaitForInsync"] = "00:00:05" });
        harness.Fake.AddZone("example.com");
        harness.Fake.InsyncDelay = TimeSpan.FromMilliseconds(100);

        var started = DateTimeOffset.UtcNow;
        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        (DateTimeOffset.UtcNow - started).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(90));
        harness.Fake.Calls("GetChange").Should().BeGreaterThan(1);
    }

    [Fact]
    public async Task APresentIsNeverFailedBecauseTheChangeIsStillPendingNorResubmittedWhilePending()
    {
        await using var harness = await Route53Harness.StartAsync(new() { ["Route53:WaitForInsync"] = "00:00:00.100" });
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.InsyncDelay = TimeSpan.FromHours(1);

        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);
        var polls = harness.Fake.Calls("GetChange");
        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(1);
        harness.Fake.Calls("GetChange").Should().BeGreaterThan(polls);
        harness.Fake.TxtTexts(zone, Name).Should().Equal("our-key");
    }

    [Fact]
    public async Task WithoutWaitForInsyncPresentNeverAsksForTheChangeStatus()
    {
        await using var harness = await Route53Harness.StartAsync();
        harness.Fake.AddZone("example.com");
        harness.Fake.InsyncDelay = TimeSpan.FromHours(1);

        await harness.Solver.PresentAsync(Route53Harness.Challenge("our-key"), CancellationToken.None);

        harness.Fake.Calls("GetChange").Should().Be(0);
    }

    [Fact]
    public async Task AConfiguredZoneThatDoesNotHoldTheNameIsReportedWithWhatToFix()
    {
        await using var harness = await Route53Harness.StartAsync();
        var other = harness.Fake.AddZone("example.org");

        var present = () => harness.Solver.PresentAsync(
            Route53Harness.Challenge("our-key", configJson: $"{{\"hostedZoneID\":\"/hostedzone/{other}\"}}"), CancellationToken.None);

        (await present.Should().ThrowAsync<SolverException>()).Which.Message.Should().StartWith(
            $"Route53 refused the change on hosted zone {other}: the record name is not inside that hosted zone; correct hostedZoneID");
    }

    [Fact]
    public async Task AMalformedSolverConfigIsReportedWithoutCallingAws()
    {
        await using var harness = await Route53Harness.StartAsync();

        var present = () => harness.Solver.PresentAsync(Route53Harness.Challenge("k", configJson: "{\"hostedZoneID\": 5}"), CancellationToken.None);

        (await present.Should().ThrowAsync<SolverException>()).Which.Message.Should().Be("webhook config field \"hostedZoneID\" " +
            "must be a string, got a number");
        harness.Fake.Server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task ASolverCallEndsAtTheDeadlineWithTheLastCause()
    {
        await using var harness = await Route53Harness.StartAsync(new() { ["Route53:Deadline"] = "00:00:00.300" });
        harness.Fake.AddZone("example.com");
        harness.Fake.Inject((_, _) => FakeRoute53.PriorRequestNotComplete);

        var present = () => harness.Solver.PresentAsync(Route53Harness.Challenge("k"), CancellationToken.None);

        (await present.Should().ThrowAsync<SolverException>()).Which.Message.Should().Be(
            "Route53 is still applying an earlier change; cert-manager will retry");
    }
}
