using WebhookSolver.Challenges;
using WebhookSolver.Route53;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>A renewal wave: concurrent challenges of one zone are written in few batches, and one bad change fails only itself.</summary>
public sealed class ChangeBatcherTests
{
    /// <summary>
    /// The previous strategy, whose every round lingers the whole window: long enough that every concurrent call of a
    /// test joins the first batch, even on a loaded machine, so the round rules (refusals, splits, packing) shared by
    /// both strategies are tested with exact counts.
    /// </summary>
    private static readonly Dictionary<string, string?> Window = new() { ["Route53:BatchWindow"] = "00:00:00.500", ["Route53:WriteStrategy"] = "FixedWindow" };

    /// <summary>Group commit under a client-side rate limit that a wave has spent: the first round waits for its turn and gathers.</summary>
    private static readonly Dictionary<string, string?> Limited = new()
    {
        ["Route53:BatchWindow"] = "00:00:00.500",
        ["Route53:RequestsPerSecond"] = "2",
        ["Route53:Burst"] = "1",
    };

    private static string Fqdn(int i) => $"_acme-challenge.app{i}.example.com.";

    private static Task PresentAll(Route53Harness harness, IEnumerable<int> names, string? configJson = null) =>
        Task.WhenAll(names.Select(i
            => harness.Solver.PresentAsync(Route53Harness.Challenge($"key-{i}", Fqdn(i), configJson: configJson), CancellationToken.None)));

    [Fact]
    public async Task FiftyConcurrentPresentsAndCleanUpsForOneZoneCostOneChangeBatchEach()
    {
        await using var harness = await Route53Harness.StartAsync(Window);
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Put(zone, new FakeRecordSet("example.com.", "A", 300, ["192.0.2.1"]));

        await PresentAll(harness, Enumerable.Range(0, 50));

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(1);
        harness.Fake.Calls("ListHostedZonesByName").Should().Be(1, "concurrent challenges share one zone lookup");
        harness.Fake.Calls("ListResourceRecordSets").Should().Be(1, "the adjacent names of the batch are read from one page");
        harness.Fake.BatchSizes.Should().Equal(50);
        foreach (var i in Enumerable.Range(0, 50))
        {
            harness.Fake.TxtTexts(zone, Fqdn(i)).Should().Equal($"key-{i}");
        }

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            harness.Solver.CleanUpAsync(Route53Harness.Challenge($"key-{i}", Fqdn(i)), CancellationToken.None)));

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(2);
        harness.Fake.Calls("ListResourceRecordSets").Should().Be(2, "every set of the batch is seen, followed by the next, in one page");
        harness.Fake.RecordSets(zone).Should().ContainSingle().Which.Type.Should().Be("A");
    }

    [Fact]
    public async Task WithGroupCommitAWaveThatWaitsForTheRateLimitGoesInOneRoundWithoutReadingEmptyNames()
    {
        await using var harness = await Route53Harness.StartAsync(Limited);
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Put(zone, new FakeRecordSet("example.com.", "A", 300, ["192.0.2.1"]));

        await PresentAll(harness, Enumerable.Range(0, 50));

        harness.Fake.Calls("ListHostedZonesByName").Should().Be(1);
        harness.Fake.Calls("ChangeResourceRecordSets").Should().BeLessThanOrEqualTo(3,
            "the zone lookup spent the burst, so the first round waited for its turn and took every Present that had arrived; stragglers go together next");
        harness.Fake.Calls("ListResourceRecordSets").Should().Be(0,
            "a Present at a name with nothing known is a CREATE, which Route53 refuses if a set exists");
        foreach (var i in Enumerable.Range(0, 50))
        {
            harness.Fake.TxtTexts(zone, Fqdn(i)).Should().Equal($"key-{i}");
        }

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            harness.Solver.CleanUpAsync(Route53Harness.Challenge($"key-{i}", Fqdn(i)), CancellationToken.None)));

        harness.Fake.Calls("ChangeResourceRecordSets").Should().BeLessThanOrEqualTo(5,
            "a round that found a token left at once, the others waited and went together");
        harness.Fake.Calls("ListResourceRecordSets").Should().Be(0, "each CleanUp DELETEs exactly the set this process wrote");
        harness.Fake.RecordSets(zone).Should().ContainSingle().Which.Type.Should().Be("A");
    }

    [Fact]
    public async Task WithGroupCommitALonePresentDoesNotWaitForTheBatchWindow()
    {
        await using var harness = await Route53Harness.StartAsync(new()
        {
            ["Route53:BatchWindow"] = "00:00:05",
            ["Route53:Deadline"] = "00:00:03",
        });
        var zone = harness.Fake.AddZone("example.com");

        await harness.Solver.PresentAsync(Route53Harness.Challenge("lone"), CancellationToken.None);
        await harness.Solver.CleanUpAsync(Route53Harness.Challenge("lone"), CancellationToken.None);

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(2, "one CREATE and one exact DELETE");
        harness.Fake.Calls("ListResourceRecordSets").Should().Be(0);
        harness.Fake.TxtTexts(zone, "_acme-challenge.example.com.").Should().BeEmpty();
    }

    [Fact]
    public async Task WithGroupCommitARoundTheRateLimitDelaysTakesEverythingThatArrivesUntilItsTurn()
    {
        await using var harness = await Route53Harness.StartAsync(new()
        {
            ["Route53:BatchWindow"] = "00:00:00.050",
            ["Route53:RequestsPerSecond"] = "1",
            ["Route53:Burst"] = "1",
        });
        var zone = harness.Fake.AddZone("example.com");

        // The zone lookup spends the burst: the round of the first Present waits about a second for its turn.
        var first = harness.Solver.PresentAsync(Route53Harness.Challenge("key-0", Fqdn(0)), CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await Task.WhenAll(first, PresentAll(harness, Enumerable.Range(1, 2)));

        harness.Fake.BatchSizes.Should().Equal([3], "Presents that arrived after the batch window but before the round's turn went with it");
        Enumerable.Range(0, 3).Should().OnlyContain(i => harness.Fake.TxtTexts(zone, Fqdn(i)).Single() == $"key-{i}");
    }

    [Fact]
    public async Task ARoundWhoseCallersAllGaveUpWhileItWaitedForItsTurnHandsTheTurnBack()
    {
        await using var harness = await Route53Harness.StartAsync(new()
        {
            ["Route53:RequestsPerSecond"] = "0.5",
            ["Route53:Burst"] = "1",
        });
        var zone = harness.Fake.AddZone("example.com");
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var abandoned = harness.Solver.PresentAsync(Route53Harness.Challenge("abandoned", Fqdn(0)), giveUp.Token);
        await abandoned.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();

        // Kept until its time, the turn 2 s after the lookup would make the next call wait about 4 s.
        await Poll.UntilAsync(() => harness.Get<Route53RateLimiter>().NextFree < TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1),
            "the turn the abandoned round waited for is free again");
        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(0);
        harness.Fake.TxtTexts(zone, Fqdn(0)).Should().BeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KeysAtOneNameFoldIntoOneCompareAndSwapThatKeepsForeignValuesAndTtl(bool multivalue)
    {
        const string name = "_acme-challenge.example.com.";
        await using var harness = await Route53Harness.StartAsync(Window);
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Put(zone, multivalue
            ? new FakeRecordSet(name, "TXT", 10, ["\"foreign\""], "\"foreign\"", MultiValueAnswer: true)
            : new FakeRecordSet(name, "TXT", 300, ["\"foreign\""]));

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            harness.Solver.PresentAsync(Route53Harness.Challenge($"key-{i}", name), CancellationToken.None)));

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(1, "the fake refuses a set that appears twice in one batch");
        harness.Fake.TxtTexts(zone, name).Should().BeEquivalentTo(["foreign", .. Enumerable.Range(0, 10).Select(i => $"key-{i}")]);
        if (multivalue)
        {
            harness.Fake.RecordSets(zone, name).Should().HaveCount(11).And.OnlyContain(set => set.MultiValueAnswer && set.Ttl == 10);
        }
        else
        {
            harness.Fake.RecordSets(zone, name).Should().ContainSingle().Which.Ttl.Should().Be(300);
        }

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            harness.Solver.CleanUpAsync(Route53Harness.Challenge($"key-{i}", name), CancellationToken.None)));

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(2);
        harness.Fake.TxtTexts(zone, name).Should().Equal("foreign");
    }

    [Fact]
    public async Task AChangeRoute53RefusesByNameFailsOnlyItsChallengeAndTheOthersAreWritten()
    {
        await using var harness = await Route53Harness.StartAsync(Window);
        var zone = harness.Fake.AddZone("example.com");
        var config = $"{{\"hostedZoneID\":\"{zone}\"}}";

        var good = PresentAll(harness, Enumerable.Range(0, 10), config);
        var bad =
            harness.Solver.PresentAsync(Route53Harness.Challenge("stray", "_acme-challenge.example.org.", "example.org.", config), CancellationToken.None);

        (await bad.Invoking(t => t).Should().ThrowAsync<SolverException>()).Which.Message.Should().Be(
            $"Route53 refused the change on hosted zone {zone}: the record name is not inside that hosted zone; correct hostedZoneID " +
                "in the Issuer's solver config: " +
            "RRSet with DNS name _acme-challenge.example.org. is not permitted in zone example.com.");
        await good;
        foreach (var i in Enumerable.Range(0, 10))
        {
            harness.Fake.TxtTexts(zone, Fqdn(i)).Should().Equal($"key-{i}");
        }

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(2, "the refused batch, then the others without the bad change");
    }

    [Theory]
    [InlineData("InvalidChangeBatch")]
    [InlineData("InvalidInput")]
    public async Task ARefusalThatNamesNoRecordIsSplitUntilTheBadChangeIsAlone(string code)
    {
        await using var harness = await Route53Harness.StartAsync(Window);
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Inject((operation, request) => operation == "ChangeResourceRecordSets" && request.BodyText.Contains("poison", StringComparison.Ordinal)
            ? code == "InvalidInput"
                ? FakeRoute53.Error(400, "InvalidInput", "Invalid request: something Route53 does not explain")
                : FakeRoute53.InvalidChangeBatch(["Invalid request: something Route53 does not explain"])
            : null);

        var good = PresentAll(harness, Enumerable.Range(0, 8));
        var bad = harness.Solver.PresentAsync(Route53Harness.Challenge("poison", "_acme-challenge.app3b.example.com."), CancellationToken.None);

        (await bad.Invoking(t => t).Should().ThrowAsync<SolverException>()).Which.Message.Should().Be(code == "InvalidInput"
            ? $"Route53 ChangeResourceRecordSets on hosted zone {zone} failed with InvalidInput (HTTP 400): Invalid request: something Route53 does not explain"
            : $"Route53 refused the change on hosted zone {zone}: Invalid request: something Route53 does not explain");
        await good;
        foreach (var i in Enumerable.Range(0, 8))
        {
            harness.Fake.TxtTexts(zone, Fqdn(i)).Should().Equal($"key-{i}");
        }

        harness.Fake.TxtTexts(zone, "_acme-challenge.app3b.example.com.").Should().BeEmpty();
        harness.Fake.Calls("ChangeResourceRecordSets").Should().BeLessThan(12, "halving isolates one change among nine in a few calls");
    }

    [Fact]
    public async Task ABatchOverRoute53sValueCharacterLimitIsSplitIntoRequestsWithinIt()
    {
        await using var harness = await Route53Harness.StartAsync(Window);
        var zone = harness.Fake.AddZone("example.com");
        // Challenge keys are at most 255 characters, so it takes 180 of them to pass the limit.
        var keys = Enumerable.Range(0, 180).Select(i => $"{i:D3}{new string('k', 250)}").ToList();

        await Task.WhenAll(keys.Select((key, i) => harness.Solver.PresentAsync(Route53Harness.Challenge(key, Fqdn(i)), CancellationToken.None)));

        // However the window gathers them, no request passes the limit (the fake refuses one that does) and none is lost.
        harness.Fake.Calls("ChangeResourceRecordSets").Should().BeGreaterThanOrEqualTo(2, "180 values of 255 characters exceed 32,000 characters");
        harness.Fake.BatchSizes.Should().OnlyContain(size => size <= FakeRoute53.MaxValueCharacters / 255);
        harness.Fake.BatchSizes.Sum().Should().Be(180);
        foreach (var (key, i) in keys.Select((key, i) => (key, i)))
        {
            harness.Fake.RecordSets(zone, Fqdn(i)).Should().ContainSingle().Which.Values.Select(TxtValue.Unquote).Should().Equal(key);
        }
    }

    [Fact]
    public async Task ConcurrentWaitersForInsyncShareOneGetChangePoller()
    {
        await using var harness = await Route53Harness.StartAsync(new()
        {
            ["Route53:BatchWindow"] = "00:00:00.500",
            ["Route53:WriteStrategy"] = "FixedWindow",
            ["Route53:WaitForInsync"] = "00:00:05",
            ["Route53:InsyncPollInterval"] = "00:00:00.100",
        });
        harness.Fake.AddZone("example.com");
        harness.Fake.InsyncDelay = TimeSpan.FromMilliseconds(250);

        await PresentAll(harness, Enumerable.Range(0, 20));

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(1);
        harness.Fake.Calls("GetChange").Should().BeInRange(2, 6, "one poller asks every 100 ms for the change twenty challenges wait for");
        harness.Get<ChangeWatcher>().Running.Should().Be(0);
    }

    [Fact]
    public async Task ACallerThatGivesUpDuringTheWindowWritesNothingAndItsNextPresentConverges()
    {
        await using var harness = await Route53Harness.StartAsync(Window);
        var zone = harness.Fake.AddZone("example.com");
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(30));

        var others = PresentAll(harness, Enumerable.Range(0, 5));
        var abandoned = harness.Solver.PresentAsync(Route53Harness.Challenge("abandoned", Fqdn(99)), giveUp.Token);

        await abandoned.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        await others;
        harness.Fake.TxtTexts(zone, Fqdn(99)).Should().BeEmpty();

        await harness.Solver.PresentAsync(Route53Harness.Challenge("abandoned", Fqdn(99)), CancellationToken.None);
        harness.Fake.TxtTexts(zone, Fqdn(99)).Should().Equal("abandoned");
    }

    [Fact]
    public async Task ZeroBatchWindowStartsEveryRoundAtOnceAndZeroZoneCacheLooksUpEveryTime()
    {
        await using var harness = await Route53Harness.StartAsync(new()
        {
            ["Route53:BatchWindow"] = "00:00:00",
            ["Route53:ZoneCacheDuration"] = "00:00:00",
        });
        var zone = harness.Fake.AddZone("example.com");

        await PresentAll(harness, Enumerable.Range(0, 10));

        harness.Fake.Calls("ListHostedZonesByName").Should().Be(10);
        harness.Fake.Calls("ChangeResourceRecordSets").Should().BeInRange(1, 10, "a round never waits, but takes what queued behind the one in flight");
        Enumerable.Range(0, 10).Should().OnlyContain(i => harness.Fake.TxtTexts(zone, Fqdn(i)).Single() == $"key-{i}");
    }

    [Fact]
    public async Task DifferentCredentialsForOneZoneAreNeverBatchedTogether()
    {
        await using var harness = await Route53Harness.StartAsync(Window);
        harness.Fake.AddCredentials("AKIDSECOND0000000000", "second-secret");
        var zone = harness.Fake.AddZone("example.com");
        var identityB = new WebhookSolver.Credentials.AwsIdentity(new Amazon.Runtime.ImmutableCredentials("AKIDSECOND0000000000", "second-secret", null), null);
        var identityA = new WebhookSolver.Credentials.AwsIdentity(Route53Harness.Credentials, null);
        var writer = harness.Get<Route53RecordWriter>();
        var hosted = new HostedZone(zone, "example.com.");

        await Task.WhenAll(
            writer.PresentAsync(identityA, hosted, Fqdn(1), "key-a", CancellationToken.None),
            writer.PresentAsync(identityB, hosted, Fqdn(2), "key-b", CancellationToken.None));

        harness.Fake.Calls("ChangeResourceRecordSets").Should().Be(2);
        harness.Fake.Server.Requests.Where(r => r.Method == "POST")
            .Select(r => r.Header("Authorization")!.Contains("AKIDSECOND0000000000", StringComparison.Ordinal)).Should().BeEquivalentTo([true, false]);
    }
}
