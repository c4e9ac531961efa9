using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WebhookSolver.Credentials;

namespace WebhookSolver.Route53;

/// <summary>
/// Publishes and removes one challenge key at one name without losing anyone else's value, through
/// <see cref="ChangeBatcher"/> (the one write path: atomic compare-and-swap batches, bounded retries on conflicts), then
/// optionally waits for INSYNC.
/// </summary>
internal sealed partial class Route53RecordWriter(
    ChangeBatcher batcher,
    ChangeWatcher watcher,
    IOptions<Route53Options> options,
    TimeProvider time,
    ILogger<Route53RecordWriter> logger)
{
    /// <summary>How long a caller that gave up waits for its round to report why, rather than a bare timeout.</summary>
    private static readonly TimeSpan StoppedRoundGrace = TimeSpan.FromSeconds(1);

    /// <summary>Accepted changes not yet seen INSYNC, so a repeated Present waits for the change it already made.</summary>
    private readonly ConcurrentDictionary<(string Zone, string Name, string Key), (string ChangeId, DateTimeOffset Expires)> _pending = new();

    /// <summary>Adds <paramref name="key"/> at <paramref name="fqdn"/>; succeeds without a change when it is already there.</summary>
    public Task PresentAsync(AwsIdentity identity, HostedZone zone, string fqdn, string key, CancellationToken cancellationToken) =>
        ApplyAsync(identity, zone, fqdn, key, present: true, cancellationToken);

    /// <summary>Removes only <paramref name="key"/> at <paramref name="fqdn"/>; succeeds when it is already gone.</summary>
    public Task CleanUpAsync(AwsIdentity identity, HostedZone zone, string fqdn, string key, CancellationToken cancellationToken) =>
        ApplyAsync(identity, zone, fqdn, key, present: false, cancellationToken);

    private async Task ApplyAsync(AwsIdentity identity, HostedZone zone, string fqdn, string key, bool present, CancellationToken cancellationToken)
    {
        var name = DnsName.Normalize(fqdn);
        if (zone.Name is not null && !DnsName.IsInZone(name, zone.Name))
        {
            throw new SolverException($"the record name {name} is not inside hosted zone {zone.Id} ({DnsName.Normalize(zone.Name)}); nothing was changed");
        }

        var intent = new ChangeIntent(name, key, present, cancellationToken);
        batcher.Submit(identity, zone.Id, intent);
        string? changeId;
        try
        {
            changeId = await intent.Completion.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Report what the round met (throttling, an answer that never came or could not be read), as a challenge
            // written alone would, rather than a bare timeout.
            var cause = await RoundOutcomeAsync(intent);
            if (cause is not null)
            {
                throw cause;
            }

            throw;
        }

        if (changeId is null)
        {
            if (present && _pending.TryGetValue((zone.Id, name, key), out var pending))
            {
                await WaitForInsyncAsync(identity, zone.Id, name, key, pending.ChangeId, cancellationToken);
            }

            return;
        }

        if (Remember(zone.Id, name, key, present, changeId))
        {
            await WaitForInsyncAsync(identity, zone.Id, name, key, changeId, cancellationToken);
        }
    }

    private async Task<Route53Exception?> RoundOutcomeAsync(ChangeIntent intent)
    {
        try
        {
            await intent.Completion.Task.WaitAsync(intent.StoppedRound || intent.LastFailure is not null ? StoppedRoundGrace : TimeSpan.Zero, time);
        }
        catch (Route53Exception e)
        {
            return e;
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or SolverException)
        {
            // No Route53 answer to report.
        }

        return intent.LastFailure;
    }

    /// <summary>Remembers an accepted Present until INSYNC, so a repeated Present waits for it instead of writing again.</summary>
    /// <returns>whether to wait for INSYNC (a Present)</returns>
    private bool Remember(string zoneId, string name, string key, bool present, string changeId)
    {
        if (!present)
        {
            _pending.TryRemove((zoneId, name, key), out _);
            return false;
        }

        _pending[(zoneId, name, key)] = (changeId, time.GetUtcNow() + TimeSpan.FromMinutes(5));
        PruneExpired();
        return true;
    }

    /// <summary>
    /// Optional (<see cref="Route53Options.WaitForInsync"/>): polls GetChange until INSYNC, the wait limit or the call's
    /// deadline, through the poller every waiter of the change shares. The change is accepted already, so every way
    /// out of this wait is success.
    /// </summary>
    private async Task WaitForInsyncAsync(AwsIdentity identity, string zoneId, string name, string key, string changeId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.WaitForInsync <= TimeSpan.Zero)
        {
            return;
        }

        using var limit = new CancellationTokenSource(settings.WaitForInsync, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            await watcher.WaitForInsyncAsync(identity, changeId, linked.Token);
            _pending.TryRemove((zoneId, name, key), out _);
            LogInsync(logger, name, changeId);
        }
        catch (OperationCanceledException)
        {
            LogStillPending(logger, name, changeId);
        }
        catch (Route53Exception e)
        {
            LogWaitFailed(logger, name, changeId, e.Message);
        }
    }

    private void PruneExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (entry, value) in _pending)
        {
            if (value.Expires <= now)
            {
                _pending.TryRemove(entry, out _);
            }
        }
    }

    [LoggerMessage(EventId = 3204, Level = LogLevel.Information, Message = "TXT {Name} change {ChangeId} is INSYNC")]
    private static partial void LogInsync(ILogger logger, string name, string changeId);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information,
        Message = "TXT {Name} change {ChangeId} still PENDING when the wait ended; it was accepted, so this is success")]
    private static partial void LogStillPending(ILogger logger, string name, string changeId);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Warning, Message = "TXT {Name} change {ChangeId} was accepted but its status could not be read: {Failure}")]
    private static partial void LogWaitFailed(ILogger logger, string name, string changeId, string failure);
}
