namespace WebhookSolver.Credentials;

/// <summary>
/// STS results per distinct configuration. cert-manager's built-in solver calls STS on every Present and
/// CleanUp; here a burst of challenges for one Issuer shares one call, and credentials are renewed before
/// they expire. Concurrent callers for one key wait on the same call; a failure is not kept. Every lookup is
/// counted as a hit (an earlier or concurrent call served it) or a miss (this caller made the STS call).
/// </summary>
internal sealed class StsCredentialCache(TimeProvider time, CredentialMetrics metrics)
{
    /// <summary>Renew this long before expiry (as the AWS SDKs do), or at half-life for shorter sessions.</summary>
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    /// <summary>A shared call must not be cut short by the first caller's cancellation: others may be waiting on it.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly SingleFlightCache<object, TemporaryCredentials> _entries = new(time, detachedTimeout: CallTimeout);

    /// <param name="key">a value-equal record of everything that determines the credentials</param>
    /// <returns>the credentials, and whether they came from an earlier or concurrent call</returns>
    public async Task<(TemporaryCredentials Credentials, bool Cached)> GetAsync(
        object key, Func<CancellationToken, Task<TemporaryCredentials>> fetch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fetch);
        var (credentials, shared) = await _entries.GetAsync(key, fetch, RefreshAt, cancellationToken).ConfigureAwait(false);
        metrics.CredentialLookup(cacheHit: shared);
        return (credentials, shared);
    }

    private DateTimeOffset RefreshAt(TemporaryCredentials credentials)
    {
        var halfLife = (credentials.Expiration - time.GetUtcNow()) / 2;
        return credentials.Expiration - (halfLife < RefreshMargin ? halfLife : RefreshMargin);
    }
}
