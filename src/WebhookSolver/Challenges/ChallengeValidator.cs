using System.Text.RegularExpressions;

namespace WebhookSolver.Challenges;

/// <summary>
/// The formats of a challenge's fields, checked before any work: a bad challenge fails alone, with a message naming
/// the field and what it may hold, and never reaches a Route53 batch, a Kubernetes path or a log line unchecked.
/// </summary>
internal static partial class ChallengeValidator
{
    public const int MaxDnsNameLength = 253;
    public const int MaxKeyLength = 255;

    public const string DnsNameRule = "a DNS name of at most 253 characters whose labels are 1 to 63 letters, digits, '-' or '_'";
    public const string KeyRule = "printable ASCII without quotes or backslashes, 1 to 255 characters (ACME keys are 43 characters of base64url)";
    public const string NamespaceRule = "a Kubernetes namespace name: lower-case letters, digits and '-', at most 63 characters";
    public const string UidRule = "letters, digits and '-', at most 128 characters (a Kubernetes UID)";
    public const string TypeRule = "printable ASCII without spaces, at most 63 characters (cert-manager sends dns-01)";

    /// <summary>The first thing wrong with the challenge, or null when every field is in its format.</summary>
    public static string? Problem(ChallengeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uid = request.Uid ?? "";
        if (uid.Length > 0 && !UidPattern().IsMatch(uid))
        {
            return $"request.uid is not valid ({UidRule})";
        }

        var type = request.Type ?? "";
        if (type.Length > 63 || !type.All(c => c is > ' ' and < '\u007f'))
        {
            return $"request.type is not valid ({TypeRule})";
        }

        var dnsName = request.DnsName ?? "";
        if (dnsName.Length > 0 && !IsDnsName(dnsName.StartsWith("*.", StringComparison.Ordinal) ? dnsName[2..] : dnsName))
        {
            return $"request.dnsName is not {DnsNameRule}, optionally after '*.'";
        }

        var fqdn = request.ResolvedFQDN ?? "";
        var zone = request.ResolvedZone ?? "";
        if (string.IsNullOrWhiteSpace(fqdn) || string.IsNullOrEmpty(request.Key))
        {
            return "the challenge has no resolvedFQDN or no key; cert-manager always sends both, so the caller is not cert-manager";
        }

        if (!IsDnsName(fqdn))
        {
            return $"request.resolvedFQDN is not {DnsNameRule}";
        }

        if (zone.Length > 0)
        {
            if (!IsDnsName(zone))
            {
                return $"request.resolvedZone is not {DnsNameRule}";
            }

            if (!IsInside(fqdn, zone))
            {
                return "request.resolvedFQDN is not inside request.resolvedZone; cert-manager always sends a name inside the zone it resolved";
            }
        }

        if (!IsKey(request.Key))
        {
            return $"request.key is not a valid challenge key ({KeyRule})";
        }

        var resourceNamespace = request.ResourceNamespace ?? "";
        if (resourceNamespace.Length > 0 && (resourceNamespace.Length > 63 || !NamespacePattern().IsMatch(resourceNamespace)))
        {
            return $"request.resourceNamespace is not {NamespaceRule}";
        }

        return null;
    }

    /// <summary>Absolute or relative DNS name; <c>*</c> is not a label character here.</summary>
    public static bool IsDnsName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var relative = name.EndsWith('.') ? name[..^1] : name;
        return relative.Length is > 0 and <= MaxDnsNameLength && DnsNamePattern().IsMatch(relative);
    }

    public static bool IsKey(string key) =>
        key is { Length: > 0 and <= MaxKeyLength } && key.All(c => c is >= ' ' and < '\u007f' and not '"' and not '\\');

    private static bool IsInside(string fqdn, string zone)
    {
        var name = fqdn.TrimEnd('.').ToLowerInvariant();
        var apex = zone.TrimEnd('.').ToLowerInvariant();
        return name == apex || name.EndsWith("." + apex, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\A[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*\z")]
    private static partial Regex DnsNamePattern();

    [GeneratedRegex(@"\A[a-z0-9]([-a-z0-9]*[a-z0-9])?\z")]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"\A[A-Za-z0-9-]{1,128}\z")]
    private static partial Regex UidPattern();
}
