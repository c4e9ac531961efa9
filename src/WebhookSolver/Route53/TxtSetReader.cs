using WebhookSolver.Credentials;

namespace WebhookSolver.Route53;

/// <summary>
/// Reads the TXT sets at challenge names with ListResourceRecordSets. Route53 lists a zone's sets in one order (names
/// with labels reversed, then type, then set identifier), starting at a given name and type, so one page started at
/// the first name of a batch also shows the names that follow it closely — in a zone used for ACME challenges, many
/// names of a renewal wave in a single call.
/// </summary>
/// <remarks>
/// A name counts as read from another name's page only on evidence Route53 gave: its TXT sets appear in the page and
/// something else follows them. A name with nothing in the page is taken as empty only for a Present (the
/// compare-and-swap makes a wrong guess harmless: a CREATE over an existing set is refused, and the name is then
/// read with a call of its own); a CleanUp, or a name that conflicted, always gets a call that starts at it.
/// </remarks>
internal sealed class TxtSetReader(Route53Client client)
{
    private const int MaxPages = 20;

    /// <summary>Every TXT set at exactly <paramref name="name"/>: one simple set, or any number of multivalue-answer sets.</summary>
    public async Task<IReadOnlyList<ResourceRecordSet>> ReadAsync(AwsIdentity identity, string zoneId, string name, CancellationToken cancellationToken)
    {
        var sets = new List<ResourceRecordSet>();
        await ReadFromAsync(identity, zoneId, name, sets, keepPage: false, turn: null, cancellationToken);
        return sets;
    }

    /// <param name="names">each name, and whether it must be read by a call that starts at it</param>
    /// <param name="turn">a turn of the rate limiter already waited for, which the first call spends</param>
    /// <returns>the TXT sets at every name (an empty list where there are none)</returns>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ResourceRecordSet>>> ReadManyAsync(
        AwsIdentity identity, string zoneId, IReadOnlyCollection<(string Name, bool Exact)> names, CancellationToken cancellationToken,
        Route53Turn? turn = null)
    {
        var result = new Dictionary<string, IReadOnlyList<ResourceRecordSet>>(StringComparer.Ordinal);
        var waiting = names
            .GroupBy(n => DnsName.Normalize(n.Name), StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Exact: g.Any(n => n.Exact)))
            .OrderBy(n => DnsName.ListingOrder(n.Name), StringComparer.Ordinal)
            .ToList();
        while (waiting.Count > 0)
        {
            var start = waiting[0].Name;
            waiting.RemoveAt(0);
            var sets = new List<ResourceRecordSet>();
            var page = await ReadFromAsync(identity, zoneId, start, sets, keepPage: waiting.Count > 0, turn, cancellationToken);
            result[start] = sets;
            if (page is null)
            {
                continue;
            }

            waiting.RemoveAll(candidate =>
            {
                if (Covered(page, start, candidate.Name, candidate.Exact) is not { } found)
                {
                    return false;
                }

                result[candidate.Name] = found;
                return true;
            });
        }

        return result;
    }

    /// <summary>
    /// Reads <paramref name="name"/>'s TXT sets into <paramref name="sets"/>, following pages while they continue at
    /// it. Returns the last page read when <paramref name="keepPage"/> (other names may be in it), else null.
    /// </summary>
    private async Task<ResourceRecordSetsPage?> ReadFromAsync(
        AwsIdentity identity, string zoneId, string name, List<ResourceRecordSet> sets, bool keepPage, Route53Turn? turn,
        CancellationToken cancellationToken)
    {
        ResourceRecordSetsPage? last = null;
        string? identifier = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var answer = await client.ListResourceRecordSetsAsync(identity, zoneId, name, TxtRecordChanges.TxtType, identifier, cancellationToken, turn);
            last = answer;
            var past = false;
            foreach (var set in answer.RecordSets)
            {
                if (!IsTxtAt(name, set.Name, set.Type))
                {
                    past = true;
                    break;
                }

                sets.Add(set);
            }

            // Route53 lists from the given name and type onwards; a following page only matters while it still starts here.
            if (past || !answer.IsTruncated || answer.NextRecordName is null || !IsTxtAt(name, answer.NextRecordName, answer.NextRecordType))
            {
                break;
            }

            identifier = answer.NextRecordIdentifier;
        }

        return keepPage ? last : null;
    }

    /// <summary>The TXT sets at <paramref name="name"/> when <paramref name="page"/> (started at <paramref name="start"/>) shows all of them; else
    /// null.</summary>
    private static List<ResourceRecordSet>? Covered(ResourceRecordSetsPage page, string start, string name, bool exact)
    {
        var sets = page.RecordSets;
        var at = sets.Select((set, index) => (set, index)).Where(p => IsTxtAt(name, p.set.Name, p.set.Type)).ToList();
        if (at.Count > 0)
        {
            // A name's TXT sets are listed together: something after them in the page, or no more pages, means all were seen.
            var followed = at[^1].index < sets.Count - 1 || !page.IsTruncated
                || (page.NextRecordName is not null && !IsTxtAt(name, page.NextRecordName, page.NextRecordType));
            return followed ? [.. at.Select(p => p.set)] : null;
        }

        if (exact)
        {
            return null;
        }

        var key = DnsName.ListingOrder(name);
        var inRange = string.CompareOrdinal(DnsName.ListingOrder(start), key) < 0
            && (!page.IsTruncated || (page.NextRecordName is not null && string.CompareOrdinal(key, DnsName.ListingOrder(page.NextRecordName)) < 0));
        return inRange ? [] : null;
    }

    private static bool IsTxtAt(string name, string setName, string? type) =>
        DnsName.Equal(setName, name) && string.Equals(type, TxtRecordChanges.TxtType, StringComparison.OrdinalIgnoreCase);
}
