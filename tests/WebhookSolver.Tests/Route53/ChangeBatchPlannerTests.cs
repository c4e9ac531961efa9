using WebhookSolver.Route53;

namespace WebhookSolver.Tests.Route53;

/// <summary>How intents become Route53 batches: folded per name with the single-challenge rules, packed within Route53's limits.</summary>
public sealed class ChangeBatchPlannerTests
{
    private static ChangeIntent Present(string name, string key, SplitGroup? group = null) =>
        new(name, key, present: true, CancellationToken.None) { Group = group ?? SplitGroup.All };

    private static ChangeIntent CleanUp(string name, string key) => new(name, key, present: false, CancellationToken.None);

    private static Dictionary<string, IReadOnlyList<ResourceRecordSet>> Read(params ResourceRecordSet[] sets) =>
        sets.GroupBy(s => DnsName.Normalize(s.Name)).ToDictionary(g => g.Key, g => (IReadOnlyList<ResourceRecordSet>)[.. g]);

    private static ResourceRecordSet Simple(string name, long ttl, int values, int length = 10) =>
        new(name, "TXT", ttl, [.. Enumerable.Range(0, values).Select(i => TxtValue.Quote($"{i}".PadLeft(length, 'v')))]);

    [Fact]
    public void SeveralKeysAtOneNameBecomeOneDeleteOfTheReadSetAndOneCreateOfItsSuccessor()
    {
        var read = new ResourceRecordSet("_acme-challenge.example.com.", "TXT", 300, ["\"foreign\""]);

        var plan = ChangeBatchPlanner.Plan(
            [Present("_acme-challenge.example.com.", "a"), Present("_acme-challenge.example.com.", "b"),
                CleanUp("_acme-challenge.example.com.", "foreign-not-ours")],
            Read(read));

        var changes = plan.Batches.Should().ContainSingle().Which.Changes;
        changes.Should().Equal(
            new Change(ChangeAction.Delete, read),
            new Change(ChangeAction.Create, read with { Values = ["\"foreign\"", "\"a\"", "\"b\""] }));
        plan.Unchanged.Should().ContainSingle().Which.Key.Should().Be("foreign-not-ours");
    }

    [Fact]
    public void APresentAndACleanUpOfOneKeyInOneBatchCancelOutWithoutAChange()
    {
        var plan = ChangeBatchPlanner.Plan([Present("_acme-challenge.example.com.", "a"), CleanUp("_acme-challenge.example.com.", "a")], Read());

        plan.Batches.Should().BeEmpty();
        plan.Unchanged.Should().HaveCount(2);
    }

    [Fact]
    public void ANameWithAnotherRoutingPolicyIsRefusedAloneAndItsNeighboursArePlanned()
    {
        var weighted = new ResourceRecordSet("_acme-challenge.w.example.com.", "TXT", 60, ["\"x\""], "w", HasOtherRoutingPolicy: true);

        var plan = ChangeBatchPlanner.Plan([Present("_acme-challenge.w.example.com.", "a"), Present("_acme-challenge.ok.example.com.", "b")], Read(weighted));

        plan.Refused.Should().ContainSingle().Which.Intent.Key.Should().Be("a");
        plan.Batches.Should().ContainSingle().Which.Names.Should().ContainSingle().Which.Name.Should().Be("_acme-challenge.ok.example.com.");
    }

    [Fact]
    public void BatchesAreSplitAtOneThousandRecordsKeepingEachNameWhole()
    {
        // Each name's compare-and-swap is DELETE 400 values + CREATE 401 values: 801 records, so two names cannot share a batch.
        var sets = new[] { Simple("_acme-challenge.a.example.com.", 60, 400), Simple("_acme-challenge.b.example.com.", 60, 400) };

        var plan = ChangeBatchPlanner.Plan([Present(sets[0].Name, "a"), Present(sets[1].Name, "b")], Read(sets));

        plan.Batches.Should().HaveCount(2);
        plan.Batches.Should().OnlyContain(batch => batch.Changes.Count == 2 && batch.Changes.Sum(ChangeBatchPlanner.Records) == 801);
    }

    [Fact]
    public void BatchesAreSplitAtThirtyTwoThousandValueCharacters()
    {
        var intents = Enumerable.Range(0, 100).Select(i => Present($"_acme-challenge.n{i}.example.com.", $"{i:D3}{new string('k', 997)}")).ToList();

        var plan = ChangeBatchPlanner.Plan(intents, Read());

        plan.Batches.Should().HaveCount(4, "1,002 characters per value: 31 values fit in 32,000");
        plan.Batches.Should().OnlyContain(batch => batch.Changes.Sum(ChangeBatchPlanner.Characters) <= ChangeBatchPlanner.MaxValueCharacters);
        plan.Batches.SelectMany(batch => batch.Intents).Should().BeEquivalentTo(intents);
    }

    [Fact]
    public void ADeleteCountsEachValueAndItsCharactersTowardsTheLimits()
    {
        var change = new Change(ChangeAction.Delete, Simple("_acme-challenge.example.com.", 60, 3, length: 8));

        ChangeBatchPlanner.Records(change).Should().Be(3);
        ChangeBatchPlanner.Characters(change).Should().Be(30);
    }

    [Fact]
    public void IntentsOfDifferentSplitGroupsNeverShareABatch()
    {
        var plan = ChangeBatchPlanner.Plan(
            [Present("_acme-challenge.a.example.com.", "a", SplitGroup.All.Split(0)), Present("_acme-challenge.b.example.com.", "b", SplitGroup.All.Split(1)),
             Present("_acme-challenge.c.example.com.", "c", SplitGroup.All.Split(1))],
            Read());

        plan.Batches.Should().HaveCount(2);
        plan.Batches.Select(b => b.Names.Count).Should().BeEquivalentTo([1, 2], "equal parts of one split share a batch");
    }

    [Fact]
    public void AKeyThatCannotBeWrittenAsXmlIsRefusedAloneAndItsNeighboursArePlanned()
    {
        var plan = ChangeBatchPlanner.Plan([Present("_acme-challenge.a.example.com.", "badkey"), Present("_acme-challenge.b.example.com.", "b")], Read());

        plan.Refused.Should().ContainSingle().Which.Error.Message.Should().Be(
            "the challenge key or record name contains characters that cannot be written in a Route53 request (control characters); nothing was changed");
        plan.Batches.Should().ContainSingle().Which.Names.Should().ContainSingle().Which.Name.Should().Be("_acme-challenge.b.example.com.");
    }

    [Fact]
    public void APlannedNameKnowsTheSetsItHoldsOnceTheBatchIsApplied()
    {
        var read = new ResourceRecordSet("_acme-challenge.example.com.", "TXT", 300, ["\"foreign\""]);

        var name = ChangeBatchPlanner.Plan([Present(read.Name, "a")], Read(read)).Batches.Single().Names.Single();

        name.After.Should().Equal(read with { Values = ["\"foreign\"", "\"a\""] });
    }

    [Theory]
    [InlineData("Tried to delete resource record set [name='_acme-challenge.b.example.com.', type='TXT'] but it was not found", "b")]
    [InlineData("RRSet with DNS name _acme-challenge.a.example.com. is not permitted in zone example.org.", "a")]
    [InlineData("The request contains an invalid set of changes for a resource record set 'TXT _acme-challenge.b.example.com.'", "b")]
    [InlineData("Invalid Resource Record: 'FATAL problem: InvalidCharacterString encountered with '\"b-key\"''", "b")]
    public void Route53sMessagesAreTracedToTheNameTheyAreAbout(string message, string culprit)
    {
        var plan = ChangeBatchPlanner.Plan([Present("_acme-challenge.a.example.com.", "a-key"), Present("_acme-challenge.b.example.com.", "b-key")], Read());
        var batch = plan.Batches.Single();

        var blamed = ChangeBatchPlanner.Attribute([message], batch);

        blamed.Should().ContainSingle().Which.Key.Name.Should().Be($"_acme-challenge.{culprit}.example.com.");
    }

    [Fact]
    public void AMessageThatNamesNothingOfTheBatchIsNotAttributed()
    {
        var batch = ChangeBatchPlanner.Plan([Present("_acme-challenge.a.example.com.", "a-key")], Read()).Batches.Single();

        ChangeBatchPlanner.Attribute(["Number of records limit of 1000 exceeded."], batch).Should().BeNull();
    }
}
