using System.Text.RegularExpressions;

namespace WebhookSolver.Route53;

/// <summary>One challenge's wish (add or remove its key at a name) waiting in a batch.</summary>
internal sealed class ChangeIntent(string name, string key, bool present, CancellationToken cancellationToken)
{
    /// <summary>Normalized (lower case, trailing dot).</summary>
    public string Name { get; } = DnsName.Normalize(name);

    public string Key { get; } = key;

    public bool Present { get; } = present;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The Route53 change id that carried it, or null when nothing had to change.</summary>
    public TaskCompletionSource<string?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Compare-and-swap conflicts so far (bounded by <see cref="Route53Options.MaxSwapAttempts"/>).</summary>
    public int Conflicts { get; set; }

    /// <summary>Intents of different cohorts never share a batch: how a refused batch is split to find the bad change.</summary>
    public string Cohort { get; set; } = "";

    /// <summary>Read its name with a call of its own (after a conflict), never inferred from a neighbour's page.</summary>
    public bool ExactRead { get; set; }

    /// <summary>Set when this intent's caller was the last one waiting on its round, so the round stopped for it.</summary>
    public bool StoppedRound { get; set; }
}

/// <summary>The changes at one name, and the intents they carry.</summary>
internal sealed record NameChanges(string Name, IReadOnlyList<Change> Changes, IReadOnlyList<ChangeIntent> Intents)
{
    public int Records => Changes.Sum(ChangeBatchPlanner.Records);

    public int Characters => Changes.Sum(ChangeBatchPlanner.Characters);
}

/// <summary>One ChangeResourceRecordSets call: whole names only, so each compare-and-swap stays atomic.</summary>
internal sealed record PlannedBatch(IReadOnlyList<NameChanges> Names)
{
    public IReadOnlyList<Change> Changes { get; } = [.. Names.SelectMany(n => n.Changes)];

    public IEnumerable<ChangeIntent> Intents => Names.SelectMany(n => n.Intents);
}

internal sealed record BatchPlan(IReadOnlyList<PlannedBatch> Batches, IReadOnlyList<ChangeIntent> Unchanged, IReadOnlyList<(ChangeIntent Intent, SolverException Error)> Refused);

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
        foreach (var cohort in intents.GroupBy(i => i.Cohort, StringComparer.Ordinal))
        {
            var names = new List<NameChanges>();
            foreach (var atName in cohort.GroupBy(i => i.Name, StringComparer.Ordinal))
            {
                var read = current.GetValueOrDefault(atName.Key) ?? [];
                var state = new List<ResourceRecordSet>(read);
                var carried = new List<ChangeIntent>();
                foreach (var intent in atName)
                {
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
                    names.Add(new NameChanges(atName.Key, net, carried));
                }
            }

            batches.AddRange(Pack(names));
        }

        return new BatchPlan(batches, unchanged, refused);
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

    /// <summary>How Route53's InvalidChangeBatch messages quote a record: <c>[name='x.', type='TXT']</c>, <c>DNS name x.</c>, <c>record set 'TXT x.'</c>.</summary>
    [GeneratedRegex(@"name='(?<name>[^']+)'|DNS name (?<name>[^\s,]+)|record set '\w+ (?<name>[^']+)'")]
    private static partial Regex QuotedName();
}
