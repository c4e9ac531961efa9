using WebhookSolver.Challenges;
using WebhookSolver.Route53;

namespace WebhookSolver.Tests.Route53;

/// <summary>The pure decision: which batch adds or removes one key, for every shape a name can have.</summary>
public sealed class TxtRecordChangesTests
{
    private const string Name = "_acme-challenge.example.com.";

    private static ResourceRecordSet Simple(long ttl, params string[] texts) =>
        new(Name, "TXT", ttl, [.. texts.Select(TxtValue.Quote)]);

    private static ResourceRecordSet Multi(string text, long ttl = 10) =>
        new(Name, "TXT", ttl, [TxtValue.Quote(text)], TxtValue.Quote(text), MultiValueAnswer: true);

    [Fact]
    public void PresentOnAnEmptyNameCreatesASimpleSetWithTtl10()
    {
        var changes = TxtRecordChanges.ToPresent(Name, "key", []);

        changes.Should().Equal(new Change(ChangeAction.Create, Simple(10, "key")));
    }

    [Fact]
    public void PresentNextToOtherValuesSwapsTheExactSetForOneWithAllValuesAndKeepsItsTtl()
    {
        var current = Simple(300, "lego", "certbot");

        var changes = TxtRecordChanges.ToPresent(Name, "key", [current]);

        changes.Should().HaveCount(2);
        changes[0].Should().Be(new Change(ChangeAction.Delete, current));
        changes[1].Action.Should().Be(ChangeAction.Create);
        changes[1].RecordSet.Ttl.Should().Be(300);
        changes[1].RecordSet.Values.Should().Equal("\"lego\"", "\"certbot\"", "\"key\"");
    }

    [Fact]
    public void PresentNextToMultivalueSetsCreatesItsOwnMultivalueSetAsCertManagerDoes()
    {
        var changes = TxtRecordChanges.ToPresent(Name, "key", [Multi("other")]);

        changes.Should().Equal(new Change(ChangeAction.Create, Multi("key")));
    }

    [Theory]
    [InlineData("\"key\"")]
    [InlineData("key")]
    [InlineData("\"k\" \"ey\"")]
    public void PresentOfAKeyAlreadyPublishedChangesNothingWhateverItsQuoting(string stored)
    {
        var current = new ResourceRecordSet(Name, "TXT", 60, ["\"other\"", stored]);

        TxtRecordChanges.ToPresent(Name, "key", [current]).Should().BeEmpty();
    }

    [Fact]
    public void PresentIgnoresSetsOfOtherNamesAndTypes()
    {
        var elsewhere = new ResourceRecordSet("_acme-challenge.www.example.com.", "TXT", 10, ["\"key\""]);
        var cname = new ResourceRecordSet(Name, "CNAME", 10, ["target.example.net."]);

        TxtRecordChanges.ToPresent(Name, "key", [elsewhere, cname]).Should().Equal(new Change(ChangeAction.Create, Simple(10, "key")));
    }

    [Fact]
    public void PresentRefusesNamesWithWeightedOrOtherRoutingPolicies()
    {
        var weighted = new ResourceRecordSet(Name, "TXT", 10, ["\"a\""], "one", HasOtherRoutingPolicy: true);

        var present = () => TxtRecordChanges.ToPresent(Name, "key", [weighted]);

        present.Should().Throw<SolverException>().WithMessage("*routing policy*");
    }

    [Fact]
    public void CleanUpRemovesOnlyTheKeyFromASharedSetByExactSwap()
    {
        var current = Simple(120, "lego", "key", "certbot");

        var changes = TxtRecordChanges.ToCleanUp(Name, "key", [current]);

        changes.Should().Equal(
            new Change(ChangeAction.Delete, current),
            new Change(ChangeAction.Create, Simple(120, "lego", "certbot")));
    }

    [Fact]
    public void CleanUpOfTheLastValueDeletesTheExactSet()
    {
        var current = Simple(10, "key");

        TxtRecordChanges.ToCleanUp(Name, "key", [current]).Should().Equal(new Change(ChangeAction.Delete, current));
    }

    [Fact]
    public void CleanUpDeletesOnlyTheMultivalueSetHoldingTheKey()
    {
        var ours = Multi("key");

        TxtRecordChanges.ToCleanUp(Name, "key", [Multi("other"), ours]).Should().Equal(new Change(ChangeAction.Delete, ours));
    }

    [Fact]
    public void CleanUpOfAMissingKeyChangesNothing() =>
        TxtRecordChanges.ToCleanUp(Name, "key", [Simple(10, "other")]).Should().BeEmpty();
}
