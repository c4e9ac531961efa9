using System.Collections.Concurrent;

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

    private sealed record Fetched(TemporaryCredentials Credentials, DateTimeOffset RefreshAt);

    private readonly ConcurrentDictionary<object, Task<Fetched>> _entries = new();

    public int Count => _entries.Count;

    /// <param name="key">a value-equal record of everything that determines the credentials</param>
    /// <returns>the credentials, and whether they came from an earlier or concurrent call</returns>
    public async Task<(TemporaryCredentials Credentials, bool Cached)> GetAsync(
        object key, Func<CancellationToken, Task<TemporaryCredentials>> fetch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fetch);
        while (true)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                if (!existing.IsCompleted || (existing.IsCompletedSuccessfully && time.GetUtcNow() < existing.Result.RefreshAt))
                {
                    try
                    {
                        var shared = await existing.WaitAsync(cancellationToken).ConfigureAwait(false);
                        metrics.CredentialLookup(cacheHit: true);
                        return (shared.Credentials, true);
                    }
                    catch (Exception) when (!cancellationToken.IsCancellationRequested)
                    {
                        // The shared call failed: drop it and make this caller's own attempt.
                        _entries.TryRemove(new KeyValuePair<object, Task<Fetched>>(key, existing));
                        continue;
                    }
                }

                _entries.TryRemove(new KeyValuePair<object, Task<Fetched>>(key, existing));
            }

            // Started only once it is the entry, so a lost race costs no STS call.
            var starter = new Task<Task<Fetched>>(() => FetchAsync(fetch));
            var call = starter.Unwrap();
            if (!_entries.TryAdd(key, call))
            {
                continue;
            }

            starter.Start(TaskScheduler.Default);

            Prune();
            try
            {
                var fresh = await call.WaitAsync(cancellationToken).ConfigureAwait(false);
                metrics.CredentialLookup(cacheHit: false);
                return (fresh.Credentials, false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                _entries.TryRemove(new KeyValuePair<object, Task<Fetched>>(key, call));
                throw;
            }
        }
    }

    private async Task<Fetched> FetchAsync(Func<CancellationToken, Task<TemporaryCredentials>> fetch)
    {
        using var timeout = new CancellationTokenSource(CallTimeout, time);
        var credentials = await fetch(timeout.Token).ConfigureAwait(false);
        var halfLife = (credentials.Expiration - time.GetUtcNow()) / 2;
        return new Fetched(credentials, credentials.Expiration - (halfLife < RefreshMargin ? halfLife : RefreshMargin));
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (key, call) in _entries)
        {
            if (call.IsCompletedSuccessfully && call.Result.Credentials.Expiration <= now)
            {
                _entries.TryRemove(new KeyValuePair<object, Task<Fetched>>(key, call));
            }
        }
    }
}
