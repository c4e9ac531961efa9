namespace WebhookSolver.Route53;

/// <summary>A hosted zone as ListHostedZonesByName describes it; <see cref="Id"/> has no <c>/hostedzone/</c> prefix.</summary>
/// <param name="Name">absolute name with its trailing dot; null when the zone came from the config's hostedZoneID</param>
internal sealed record HostedZone(string Id, string? Name, bool PrivateZone = false)
{
    public const string IdPrefix = "/hostedzone/";

    public static string StripIdPrefix(string id) =>
        id.StartsWith(IdPrefix, StringComparison.OrdinalIgnoreCase) ? id[IdPrefix.Length..] : id;
}

/// <summary>One Route53 resource record set (only the fields a TXT set at an ACME name can carry).</summary>
/// <param name="Values">record values exactly as Route53 stores them (quoted TXT strings)</param>
/// <param name="SetIdentifier">set only for routing-policy sets (cert-manager's multivalue-answer sets)</param>
/// <param name="MultiValueAnswer">true for multivalue-answer sets</param>
/// <param name="HasOtherRoutingPolicy">weighted, latency, geo or failover: shapes this webhook never writes</param>
internal sealed record ResourceRecordSet(
    string Name,
    string Type,
    long Ttl,
    IReadOnlyList<string> Values,
    string? SetIdentifier = null,
    bool MultiValueAnswer = false,
    bool HasOtherRoutingPolicy = false)
{
    public bool IsSimple => SetIdentifier is null;

    /// <summary>Route53 identifies a set by name, type and set identifier.</summary>
    public bool SameSetAs(ResourceRecordSet other) =>
        DnsName.Equal(Name, other.Name)
        && string.Equals(Type, other.Type, StringComparison.OrdinalIgnoreCase)
        && string.Equals(SetIdentifier, other.SetIdentifier, StringComparison.Ordinal);

    /// <summary>Same set with the same TTL and values: what an exact-match DELETE compares.</summary>
    public bool Equals(ResourceRecordSet? other) =>
        other is not null && SameSetAs(other) && Ttl == other.Ttl && MultiValueAnswer == other.MultiValueAnswer
        && HasOtherRoutingPolicy == other.HasOtherRoutingPolicy && Values.SequenceEqual(other.Values, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(DnsName.Normalize(Name), Type.ToUpperInvariant(), SetIdentifier, Ttl);
}

/// <summary>The webhook only creates and deletes whole TXT sets (never UPSERT): a swap is a DELETE and a CREATE.</summary>
internal enum ChangeAction { Create, Delete }

internal sealed record Change(ChangeAction Action, ResourceRecordSet RecordSet);

/// <summary>Route53's answer to a change: <c>PENDING</c> until every name server has it, then <c>INSYNC</c>.</summary>
/// <param name="Id">without the <c>/change/</c> prefix</param>
internal sealed record ChangeInfo(string Id, string Status)
{
    public const string Insync = "INSYNC";
    public const string Pending = "PENDING";
    public const string IdPrefix = "/change/";

    public bool IsInsync => Status == Insync;

    public static string StripIdPrefix(string id) =>
        id.StartsWith(IdPrefix, StringComparison.OrdinalIgnoreCase) ? id[IdPrefix.Length..] : id;
}

internal sealed record HostedZonesPage(IReadOnlyList<HostedZone> HostedZones, bool IsTruncated, string? NextDnsName, string? NextHostedZoneId);

internal sealed record ResourceRecordSetsPage(
    IReadOnlyList<ResourceRecordSet> RecordSets, bool IsTruncated, string? NextRecordName, string? NextRecordType, string? NextRecordIdentifier);

/// <summary>DNS names as Route53 handles them: case-insensitive, absolute, <c>\ddd</c> escapes for special characters.</summary>
internal static class DnsName
{
    /// <summary>Lower case, trailing dot, <c>\ddd</c> octal escapes (Route53's spelling of <c>*</c> and others) decoded.</summary>
    public static string Normalize(string name)
    {
        var text = name.Trim();
        if (text.Contains('\\', StringComparison.Ordinal))
        {
            var decoded = new System.Text.StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '\\' && IsOctal(text, i + 1))
                {
                    decoded.Append((char)Convert.ToInt32(text.Substring(i + 1, 3), 8));
                    i += 3;
                }
                else
                {
                    decoded.Append(text[i]);
                }
            }

            text = decoded.ToString();
        }

        text = text.ToLowerInvariant();
        return text.EndsWith('.') ? text : text + ".";
    }

    public static bool Equal(string a, string b) => string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);

    /// <summary>True when <paramref name="name"/> is <paramref name="zone"/> or below it.</summary>
    public static bool IsInZone(string name, string zone)
    {
        var n = Normalize(name);
        var z = Normalize(zone);
        return z == "." || n == z || n.EndsWith("." + z, StringComparison.Ordinal);
    }

    /// <summary>
    /// Route53's listing order (ListHostedZonesByName, ListResourceRecordSets): labels reversed, with the trailing dot,
    /// compared ordinally. The dot sorts after '-' and before letters, so the names below a name follow it directly.
    /// </summary>
    public static string ListingOrder(string name) => string.Join('.', Relative(name).Split('.').Reverse()) + ".";

    /// <summary>The name without its trailing dot, as ListHostedZonesByName's dnsname expects.</summary>
    public static string Relative(string name) => Normalize(name).TrimEnd('.');

    private static bool IsOctal(string text, int start) =>
        start + 3 <= text.Length && text[start] is >= '0' and <= '7' && text[start + 1] is >= '0' and <= '7' && text[start + 2] is >= '0' and <= '7';
}
