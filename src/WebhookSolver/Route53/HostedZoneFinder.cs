using Microsoft.Extensions.Options;
using WebhookSolver.Credentials;

namespace WebhookSolver.Route53;

/// <summary>
/// Which hosted zone receives a challenge record: the config's hostedZoneID, else the longest public zone that contains
/// the record name, found with ListHostedZonesByName from cert-manager's resolvedZone (its SOA lookup), as
/// cert-manager's built-in solver does. Zone lists are cached per account and resolvedZone for
/// <see cref="Route53Options.ZoneCacheDuration"/>, and concurrent challenges share one lookup in flight (a renewal
/// wave costs one ListHostedZonesByName, not one per certificate); a zero duration looks up every time.
/// </summary>
internal sealed partial class HostedZoneFinder(Route53Client client, IOptions<Route53Options> options, TimeProvider time, ILogger<HostedZoneFinder> logger)
{
    private const int MaxPages = 20;

    /// <summary>
    /// The first caller owns a lookup (its deadline, its error message); the others wait on it, share a permanent
    /// failure, and make their own lookup when it fails otherwise or its owner gives up.
    /// </summary>
    private readonly SingleFlightCache<string,
        IReadOnlyList<HostedZone>> _cache = new(time, waitersShareFailure: e => e is Route53Exception { IsRetryable: false });

    public async Task<HostedZone> FindAsync(
        AwsIdentity identity, string? configuredZoneId, string fqdn, string resolvedZone, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(configuredZoneId))
        {
            return new HostedZone(HostedZone.StripIdPrefix(configuredZoneId.Trim()), null);
        }

        if (string.IsNullOrWhiteSpace(resolvedZone))
        {
            throw new SolverException($"cannot find the hosted zone of {DnsName.Normalize(fqdn)}: the challenge has no resolvedZone; set hostedZoneID " +
                "in the Issuer's solver config");
        }

        if (!DnsName.IsInZone(fqdn, resolvedZone))
        {
            throw new SolverException($"the record name {DnsName.Normalize(fqdn)} is not inside the zone {DnsName.Normalize(resolvedZone)} that cert-manager " +
                "resolved; check the domain's delegation");
        }

        var (cacheKey, zones) = await ZonesUnderAsync(identity, resolvedZone, cancellationToken);
        HostedZone zone;
        try
        {
            zone = Choose(fqdn, resolvedZone, zones);
        }
        catch (SolverException)
        {
            // The user fixes this by creating or changing zones: the next attempt must look again.
            _cache.Remove(cacheKey);
            throw;
        }

        LogZoneChosen(logger, zone.Id, zone.Name ?? "");
        return zone;
    }

    /// <summary>Drops the cached zones under <paramref name="resolvedZone"/>: one of them answered that it no longer exists.</summary>
    public void Forget(AwsIdentity identity, string resolvedZone) => _cache.Remove(CacheKey(identity, resolvedZone));

    /// <summary>Partition, endpoint, the credentials (fingerprinted: the key holds no secret) and resolvedZone.</summary>
    private string CacheKey(AwsIdentity identity, string resolvedZone) => string.Join('|',
        Route53Partition.ForRegion(identity.Region).Name, options.Value.Endpoint, CredentialFingerprint.Of(identity.Credentials),
            DnsName.Normalize(resolvedZone));

    /// <summary>The zone for <paramref name="fqdn"/> among <paramref name="zones"/>: public only, longest name, exactly one.</summary>
    public static HostedZone Choose(string fqdn, string resolvedZone, IReadOnlyList<HostedZone> zones)
    {
        var name = DnsName.Normalize(fqdn);
        var containing = zones.Where(zone => zone.Name is not null && DnsName.IsInZone(name, zone.Name)).ToList();
        var candidates = containing.Where(zone => !zone.PrivateZone).ToList();
        if (candidates.Count == 0)
        {
            if (containing.Count > 0)
            {
                throw new SolverException(
                    $"only private hosted zones contain {name} ({Describe(containing)}); ACME servers resolve public DNS, so the record must go into a " +
                    "public zone: create one, or set hostedZoneID in the Issuer's solver config to use a private zone deliberately");
            }

            throw new SolverException(
                $"no Route53 hosted zone in this AWS account contains {name} (searched from {DnsName.Normalize(resolvedZone)}): create the hosted zone, " +
                "make sure the credentials belong to the account that owns it, or set hostedZoneID in the Issuer's solver config");
        }

        var longest = candidates.Max(zone => DnsName.Normalize(zone.Name!).Length);
        var best = candidates.Where(zone => DnsName.Normalize(zone.Name!).Length == longest).ToList();
        if (best.Count > 1)
        {
            throw new SolverException(
                $"several public hosted zones are named {DnsName.Normalize(best[0].Name!)} ({Describe(best)}): set hostedZoneID in the Issuer's solver " +
                "config to the zone the domain is delegated to");
        }

        return best[0];
    }

    private static string Describe(IEnumerable<HostedZone> zones) =>
        string.Join(", ",
            zones.Select(zone => $"{zone.Id} {DnsName.Normalize(zone.Name!)}{(zone.PrivateZone ? " private" : "")}").Order(StringComparer.Ordinal));

    private async Task<(string CacheKey, IReadOnlyList<HostedZone> Zones)> ZonesUnderAsync(AwsIdentity identity, string resolvedZone,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cacheKey = CacheKey(identity, resolvedZone);
        if (settings.ZoneCacheDuration <= TimeSpan.Zero)
        {
            return (cacheKey, await ListZonesUnderAsync(identity, resolvedZone, cancellationToken));
        }

        var (zones, _) = await _cache.GetAsync(
            cacheKey, token => ListZonesUnderAsync(identity, resolvedZone, token), _ => time.GetUtcNow() + settings.ZoneCacheDuration, cancellationToken);
        return (cacheKey, zones);
    }

    /// <summary>
    /// Every zone at or below <paramref name="resolvedZone"/>. Route53 lists zones by name with labels reversed
    /// (com.example.www), so they start at resolvedZone and the zones below it follow it; listing stops at the first
    /// name whose reversed form no longer starts with resolvedZone's.
    /// </summary>
    private async Task<IReadOnlyList<HostedZone>> ListZonesUnderAsync(AwsIdentity identity, string resolvedZone, CancellationToken cancellationToken)
    {
        // Without its final dot: a sibling such as example-foo.com may sort between example.com and the zones below it.
        var prefix = DnsName.ListingOrder(resolvedZone).TrimEnd('.');
        var zones = new List<HostedZone>();
        string dnsName = DnsName.Relative(resolvedZone);
        string? zoneId = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var answer = await client.ListHostedZonesByNameAsync(identity, dnsName, zoneId, cancellationToken);
            var past = false;
            foreach (var zone in answer.HostedZones)
            {
                if (!DnsName.ListingOrder(zone.Name!).StartsWith(prefix, StringComparison.Ordinal))
                {
                    past = true;
                    break;
                }

                zones.Add(zone);
            }

            if (past || !answer.IsTruncated || answer.NextDnsName is null
                || !DnsName.ListingOrder(answer.NextDnsName).StartsWith(prefix, StringComparison.Ordinal))
            {
                break;
            }

            (dnsName, zoneId) = (answer.NextDnsName, answer.NextHostedZoneId);
        }

        return zones;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Hosted zone {ZoneId} ({ZoneName}) chosen")]
    private static partial void LogZoneChosen(ILogger logger, string zoneId, string zoneName);
}
