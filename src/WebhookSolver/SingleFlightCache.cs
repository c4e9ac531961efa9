using System.Collections.Concurrent;

namespace WebhookSolver;

/// <summary>
/// A cache whose misses are single-flight: concurrent callers for one key share one fetch, a result is kept until
/// the time <c>keepUntil</c> gives it (a time already past: shared with the callers waiting on it, then dropped), and a
/// failure is never kept. The one mechanism behind the STS credentials, the hosted zone lookups and the
/// SubjectAccessReview answers.
/// </summary>
/// <param name="detachedTimeout">
/// null: the fetch runs with the first caller's cancellation (its deadline, its error message), and callers that waited
/// make their own fetch when that one is cancelled. Set: the fetch is not tied to any caller (others may be waiting on
/// it) and is bounded by this timeout instead.
/// </param>
/// <param name="waitersShareFailure">
/// whether callers that waited on a fetch that failed receive its failure (a permanent answer) or make their own
/// attempt; null: they always make their own
/// </param>
internal sealed class SingleFlightCache<TKey, TValue>(
    TimeProvider time, TimeSpan? detachedTimeout = null, Func<Exception, bool>? waitersShareFailure = null, int maxEntries = 4096)
    where TKey : notnull
{
    private sealed record Entry(Task<(TValue Value, DateTimeOffset Until)> Fetch);

    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();

    /// <returns>the value, and whether it came from an earlier or concurrent fetch</returns>
    public async Task<(TValue Value, bool Shared)> GetAsync(
        TKey key, Func<CancellationToken, Task<TValue>> fetch, Func<TValue, DateTimeOffset> keepUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        ArgumentNullException.ThrowIfNull(keepUntil);
        while (true)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                var task = existing.Fetch;
                if (!task.IsCompleted || (task.IsCompletedSuccessfully && task.Result.Until > time.GetUtcNow()))
                {
                    try
                    {
                        var shared = await task.WaitAsync(cancellationToken).ConfigureAwait(false);
                        return (shared.Value, true);
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        _entries.TryRemove(KeyValuePair.Create(key, existing));
                        if (e is not OperationCanceledException && waitersShareFailure?.Invoke(e) == true)
                        {
                            throw;
                        }

                        // The fetch failed or its owner gave up: this caller makes its own attempt.
                        continue;
                    }
                }

                _entries.TryRemove(KeyValuePair.Create(key, existing));
            }

            // Started only once it is the entry, so a lost race costs no call.
            var starter = new Task<Task<(TValue, DateTimeOffset)>>(() => FetchAsync(fetch, keepUntil, cancellationToken));
            var mine = new Entry(starter.Unwrap());
            if (!_entries.TryAdd(key, mine))
            {
                continue;
            }

            Prune();
            starter.Start(TaskScheduler.Default);
            try
            {
                // The owner of an attached fetch waits for its outcome, which reports what stopped it (the last cause,
                // not a bare cancellation); a detached fetch may outlive this caller.
                var fresh = detachedTimeout is null
                    ? await mine.Fetch.ConfigureAwait(false)
                    : await mine.Fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (fresh.Until <= time.GetUtcNow())
                {
                    _entries.TryRemove(KeyValuePair.Create(key, mine));
                }

                return (fresh.Value, false);
            }
            catch (Exception)
            {
                if (mine.Fetch.IsCompleted || detachedTimeout is null)
                {
                    _entries.TryRemove(KeyValuePair.Create(key, mine));
                }

                throw;
            }
        }
    }

    /// <summary>Drops what is kept for <paramref name="key"/> (the caller learned it is stale); a fetch in flight finishes for its waiters.</summary>
    public void Remove(TKey key) => _entries.TryRemove(key, out _);

    private async Task<(TValue, DateTimeOffset)> FetchAsync(
        Func<CancellationToken, Task<TValue>> fetch, Func<TValue, DateTimeOffset> keepUntil, CancellationToken ownerToken)
    {
        using var timeout = detachedTimeout is { } limit ? new CancellationTokenSource(limit, time) : null;
        var value = await fetch(timeout?.Token ?? ownerToken).ConfigureAwait(false);
        return (value, keepUntil(value));
    }

    /// <summary>Expired results leave first; a table still full of live ones is emptied of finished entries.</summary>
    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.Fetch.IsCompletedSuccessfully && entry.Fetch.Result.Until <= now)
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }

        if (_entries.Count < maxEntries)
        {
            return;
        }

        foreach (var (key, entry) in _entries)
        {
            if (entry.Fetch.IsCompleted)
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }
}
