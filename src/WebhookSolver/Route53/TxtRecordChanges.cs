
namespace WebhookSolver.Route53;

/// <summary>
/// The change that adds or removes one key at one name, given the TXT sets there now. Pure, so that a batch
/// of several challenges can be assembled from the same rules.
/// </summary>
/// <remarks>
/// Every change that alters an existing set deletes that set exactly as it was read and creates its successor
/// in the same atomic batch: Route53 rejects a DELETE whose values or TTL differ from the current ones, so the
/// pair is a compare-and-swap and a concurrent writer's value is never overwritten. The name keeps the shape it
/// has: one simple set holding every value (lego, certbot, acme.sh, this webhook on an empty name) or one
/// multivalue-answer set per value (cert-manager's built-in solver); Route53 forbids mixing the two.
/// </remarks>
internal static class TxtRecordChanges
{
    public const string TxtType = "TXT";

    /// <summary>TTL of a set this webhook creates; cert-manager's built-in solver uses the same.</summary>
    public const long NewSetTtl = 10;

    /// <returns>no changes when the key is already published</returns>
    public static IReadOnlyList<Change> ToPresent(string fqdn, string key, IReadOnlyList<ResourceRecordSet> current)
    {
        var sets = AtName(fqdn, current);
        if (sets.Any(set => set.Values.Any(value => TxtValue.Publishes(value, key))))
        {
            return [];
        }

        RejectOtherRoutingPolicies(fqdn, sets);
        var value = TxtValue.Quote(key);
        if (sets.Any(set => set.MultiValueAnswer))
        {
            var identifier = value;
            for (var n = 2; sets.Any(set => set.SetIdentifier == identifier); n++)
            {
                identifier = $"{value}-{n}";
            }

            return [new(ChangeAction.Create, new ResourceRecordSet(fqdn, TxtType, NewSetTtl, [value], identifier, MultiValueAnswer: true))];
        }

        if (sets.FirstOrDefault(set => set.IsSimple) is { } simple)
        {
            return
            [
                new(ChangeAction.Delete, simple),
                new(ChangeAction.Create, simple with { Values = [.. simple.Values, value] }),
            ];
        }

        return [new(ChangeAction.Create, new ResourceRecordSet(fqdn, TxtType, NewSetTtl, [value]))];
    }

    /// <returns>no changes when no set at the name holds the key</returns>
    public static IReadOnlyList<Change> ToCleanUp(string fqdn, string key, IReadOnlyList<ResourceRecordSet> current)
    {
        var changes = new List<Change>();
        foreach (var set in AtName(fqdn, current))
        {
            var remaining = set.Values.Where(value => !TxtValue.Publishes(value, key)).ToList();
            if (remaining.Count == set.Values.Count)
            {
                continue;
            }

            changes.Add(new(ChangeAction.Delete, set));
            if (remaining.Count > 0)
            {
                changes.Add(new(ChangeAction.Create, set with { Values = remaining }));
            }
        }

        // Deletes first: a batch is applied in order and a successor reuses its predecessor's identity.
        return [.. changes.Where(c => c.Action == ChangeAction.Delete), .. changes.Where(c => c.Action != ChangeAction.Delete)];
    }

    private static List<ResourceRecordSet> AtName(string fqdn, IReadOnlyList<ResourceRecordSet> current) =>
        [.. current.Where(set => string.Equals(set.Type, TxtType, StringComparison.OrdinalIgnoreCase) && DnsName.Equal(set.Name, fqdn))];

    private static void RejectOtherRoutingPolicies(string fqdn, List<ResourceRecordSet> sets)
    {
        if (sets.Any(set => set.HasOtherRoutingPolicy))
        {
            throw new SolverException(
                $"the TXT records at {DnsName.Normalize(fqdn)} use a weighted, latency, geolocation or failover routing policy; " +
                "this webhook writes only simple or multivalue-answer TXT records: remove those records from the hosted zone");
        }
    }
}
