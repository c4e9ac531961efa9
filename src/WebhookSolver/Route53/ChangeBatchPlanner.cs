using System.Text.RegularExpressions;

namespace WebhookSolver.Route53;

/// <summary>The changes at one name, the intents they carry, and the TXT sets the name holds once they are applied.</summary>
internal sealed record NameChanges(string Name, IReadOnlyList<Change> Changes, IReadOnlyList<ChangeIntent> Intents)
{
    public IReadOnlyList<ResourceRecordSet> After { get; init; } = [];

    public int Records => Changes.Sum(ChangeBatchPlanner.Records);

    public int Characters => Changes.Sum(ChangeBatchPlanner.Characters);
}

/// <summary>One ChangeResourceRecordSets call: whole names only, so each compare-and-swap stays atomic.</summary>
internal sealed record PlannedBatch(IReadOnlyList<NameChanges> Names)
{
    public IReadOnlyList<Change> Changes { get; } = [.. Names.SelectMany(n => n.Changes)];

    public IEnumerable<ChangeIntent> Intents => Names.SelectMany(n => n.Intents);
}

internal sealed record BatchPlan(IReadOnlyList<PlannedBatch> Batches, IReadOnlyList<ChangeIntent> Unchanged,
    IReadOnlyList<(ChangeIntent Intent, SolverException Error)> Refused);

/// <summary>
/// Folds many intents into Route53 change batches, with <see cref="TxtRecordChanges"/> as the only rule book: the
/// intents at one name are applied in arrival order to the sets read there, and the difference between the sets
/// read and the result becomes the name's changes — the read set DELETEd exactly as read, its successor CREATEd — so
/// every set appears at most once per action in a batch, and the compare-and-swap guarantee of a single challenge
/// holds for the whole name. Names are then packed into batches within Route53's limits.
/// </summary>
internal static partial class ChangeBatchPlanner
{
    /// <summary>Route53: at most 1,000 ResourceRecord elements per request (an UPSERT, which the webhook never sends, would count twice).</summary>
    public const int MaxRecords = 1000;

    /// <summary>Route53: at most 32,000 characters in all Value elements of a request.</summary>
    public const int MaxValueCharacters = 32_000;

    public static int Records(Change change) => change.RecordSet.Values.Count;

    public static int Characters(Change change) => change.RecordSet.Values.Sum(v => v.Length);

    /// <param name="current">the TXT sets read at each intent's name</param>
    public static BatchPlan Plan(IReadOnlyList<ChangeIntent> intents, IReadOnlyDictionary<string, IReadOnlyList<ResourceRecordSet>> current)
    {
        var batches = new List<PlannedBatch>();
        var unchanged = new List<ChangeIntent>();
        var refused = new List<(ChangeIntent, SolverException)>();
        foreach (var group in intents.GroupBy(i => i.Group))
        {
            var names = new List<NameChanges>();
            foreach (var atName in group.GroupBy(i => i.Name, StringComparer.Ordinal))
            {
                var read = current.GetValueOrDefault(atName.Key) ?? [];
                var state = new List<ResourceRecordSet>(read);
                var carried = new List<ChangeIntent>();
                foreach (var intent in atName)
                {
                    if (Unsendable(intent) is { } unsendable)
                    {
                        refused.Add((intent, unsendable));
                        continue;
                    }

                    IReadOnlyList<Change> changes;
                    try
                    {
                        changes = intent.Present
                            ? TxtRecordChanges.ToPresent(intent.Name, intent.Key, state)
                            : TxtRecordChanges.ToCleanUp(intent.Name, intent.Key, state);
                    }
                    catch (SolverException e)
                    {
                        refused.Add((intent, e));
                        continue;
                    }

                    if (changes.Count == 0)
                    {
                        unchanged.Add(intent);
                        continue;
                    }

                    Apply(state, changes);
                    carried.Add(intent);
                }

                var net = Difference(read, state);
                if (net.Count == 0)
                {
                    // Later intents undid earlier ones (a Present and a CleanUp of one key): the name is already as asked.
                    unchanged.AddRange(carried);
                }
                else
                {
                    names.Add(new NameChanges(atName.Key, net, carried) { After = state });
                }
            }

            batches.AddRange(Pack(names));
        }

        return new BatchPlan(batches, unchanged, refused);
    }

    /// <summary>A key or name with characters XML cannot carry would make the whole request unreadable: it fails alone.</summary>
    private static SolverException? Unsendable(ChangeIntent intent)
    {
        if (Route53Xml.CanCarry(intent.Name) && Route53Xml.CanCarry(intent.Key))
        {
            return null;
        }

        return new SolverException(
            "the challenge key or record name contains characters that cannot be written in a Route53 request (control characters); nothing was changed");
    }

    /// <summary>Greedy packing in order; a name too large on its own still goes alone, and Route53's refusal fails only it.</summary>
    public static IEnumerable<PlannedBatch> Pack(IReadOnlyList<NameChanges> names)
    {
        var batch = new List<NameChanges>();
        var (records, characters) = (0, 0);
        foreach (var name in names)
        {
            if (batch.Count > 0 && (records + name.Records > MaxRecords || characters + name.Characters > MaxValueCharacters))
            {
                yield return new PlannedBatch(batch);
                (batch, records, characters) = ([], 0, 0);
            }

            batch.Add(name);
            records += name.Records;
            characters += name.Characters;
        }

        if (batch.Count > 0)
        {
            yield return new PlannedBatch(batch);
        }
    }

    private static void Apply(List<ResourceRecordSet> state, IReadOnlyList<Change> changes)
    {
        foreach (var change in changes)
        {
            if (change.Action != ChangeAction.Create)
            {
                state.RemoveAll(set => change.Action == ChangeAction.Delete ? set.Equals(change.RecordSet) : set.SameSetAs(change.RecordSet));
            }

            if (change.Action != ChangeAction.Delete)
            {
                state.Add(change.RecordSet);
            }
        }
    }

    /// <summary>DELETE every read set that is not kept exactly, CREATE every resulting set that was not there: deletes first.</summary>
    private static List<Change> Difference(IReadOnlyList<ResourceRecordSet> read, List<ResourceRecordSet> result) =>
    [
        .. read.Where(set => !result.Contains(set)).Select(set => new Change(ChangeAction.Delete, set)),
        .. result.Where(set => !read.Contains(set)).Select(set => new Change(ChangeAction.Create, set)),
    ];

    /// <summary>
    /// Which names of a refused batch Route53's messages are about: by the record name they quote, else by a value
    /// they quote. Null when a message names nothing of the batch (then the batch is split to find the culprit).
    /// </summary>
    public static Dictionary<NameChanges, List<string>>? Attribute(IReadOnlyList<string> messages, PlannedBatch batch)
    {
        var blamed = new Dictionary<NameChanges, List<string>>();
        if (messages.Count == 0)
        {
            return null;
        }

        foreach (var message in messages)
        {
            var quoted = QuotedName().Matches(message).Select(m => m.Groups["name"].Value).ToList();
            var culprit = batch.Names.FirstOrDefault(n => quoted.Any(q => DnsName.Equal(q, n.Name)))
                ?? batch.Names.FirstOrDefault(n => n.Changes.Any(c => c.RecordSet.Values.Any(v => message.Contains(v, StringComparison.Ordinal))));
            if (culprit is null)
            {
                return null;
            }

            if (!blamed.TryGetValue(culprit, out var list))
            {
                blamed[culprit] = list = [];
            }

            list.Add(message);
        }

        return blamed;
    }

    /// <summary>How Route53's InvalidChangeBatch messages quote a record: <c>[name='x.', type='TXT']</c>, <c>DNS name x.</c>, <c>record set 'TXT
    /// x.'</c>.</summary>
    [GeneratedRegex(@"name='(?<name>[^']+)'|DNS name (?<name>[^\s,]+)|record set '\w+ (?<name>[^']+)'")]
    private static partial Regex QuotedName();
}
