using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using WebhookSolver.Credentials;

namespace WebhookSolver.Route53;

/// <summary>
/// Coalesces concurrent Present / CleanUp calls: intents for one hosted zone and one AWS identity (different
/// credentials cannot share a signed request) gathered for <see cref="Route53Options.BatchWindow"/> are written
/// together, in rounds: read the names (<see cref="TxtSetReader.ReadManyAsync"/>), fold and pack them
/// (<see cref="ChangeBatchPlanner"/>), send the batches. A refused batch never fails its neighbours: conflicts re-read
/// and retry (bounded, as for one challenge), a change Route53 names as invalid fails only its intents, and a refusal
/// that names nothing is split in halves until the culprit is alone. One round at a time per zone and identity, so
/// a later CleanUp never overtakes the Present before it.
/// </summary>
internal sealed partial class ChangeBatcher(
    Route53Client client, TxtSetReader reader, IOptions<Route53Options> options, TimeProvider time, ILogger<ChangeBatcher> logger)
{
    /// <summary>Rounds spent splitting refused batches on top of the conflict attempts: enough to isolate one change among thousands.</summary>
    private const int MaxSplitRounds = 24;

    private sealed class Lane(string key, AwsIdentity identity, string zoneId)
    {
        public string Key { get; } = key;

        public AwsIdentity Identity { get; } = identity;

        public string ZoneId { get; } = zoneId;

        public List<ChangeIntent> Queue { get; } = [];

        public bool Running { get; set; }

        public bool Closed { get; set; }
    }

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Queues <paramref name="intent"/>; its <see cref="ChangeIntent.Completion"/> reports the outcome.</summary>
    public void Submit(AwsIdentity identity, string zoneId, ChangeIntent intent)
    {
        var key = LaneKey(identity, zoneId);
        while (true)
        {
            var lane = _lanes.GetOrAdd(key, _ => new Lane(key, identity, zoneId));
            lock (lane)
            {
                if (lane.Closed)
                {
                    continue;
                }

                lane.Queue.Add(intent);
                if (!lane.Running)
                {
                    lane.Running = true;
                    _ = Task.Run(() => RunAsync(lane), CancellationToken.None);
                }

                return;
            }
        }
    }

    private async Task RunAsync(Lane lane)
    {
        await Task.Delay(options.Value.BatchWindow, time, CancellationToken.None);
        while (true)
        {
            List<ChangeIntent> intents;
            lock (lane)
            {
                intents = [.. lane.Queue];
                lane.Queue.Clear();
                if (intents.Count == 0)
                {
                    lane.Running = false;
                    lane.Closed = true;
                    _lanes.TryRemove(new KeyValuePair<string, Lane>(lane.Key, lane));
                    return;
                }
            }

            try
            {
                await ProcessAsync(lane, intents);
            }
            catch (Exception e)
            {
                // Nothing may be left waiting forever, whatever went wrong.
                foreach (var intent in intents)
                {
                    intent.Completion.TrySetException(e);
                }
            }
        }
    }

    private async Task ProcessAsync(Lane lane, List<ChangeIntent> intents)
    {
        var settings = options.Value;
        var pending = intents;
        for (var round = 1; ; round++)
        {
            pending = [.. pending.Where(StillWanted)];
            if (pending.Count == 0)
            {
                return;
            }

            if (round > settings.MaxSwapAttempts + MaxSplitRounds)
            {
                FailAll(pending, Exhausted(pending[0].Name, settings.MaxSwapAttempts));
                return;
            }

            var (next, conflicted) = await RoundAsync(lane, pending, settings);
            pending = next;
            if (conflicted && pending.Count > 0)
            {
                // Several writers that collided retry at different moments.
                var pause = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * settings.RetryBaseDelay.TotalMilliseconds * pending.Max(i => i.Conflicts));
                await Task.Delay(pause, time, CancellationToken.None);
            }
        }
    }

    /// <returns>the intents to try again, and whether any of them met a conflict</returns>
    private async Task<(List<ChangeIntent> Retry, bool Conflicted)> RoundAsync(Lane lane, List<ChangeIntent> intents, Route53Options settings)
    {
        // The round serves its callers: it stops when every one of them has given up, and never outlives the deadline.
        using var stop = new CancellationTokenSource(settings.Deadline, time);
        var waiting = intents.Count;
        var registrations = intents.Select(intent => intent.CancellationToken.Register(() =>
        {
            if (Interlocked.Decrement(ref waiting) == 0)
            {
                intent.StoppedRound = true;
                stop.Cancel();
            }
        })).ToList();
        var retry = new List<ChangeIntent>();
        var conflicted = false;
        try
        {
            var current = await reader.ReadManyAsync(lane.Identity, lane.ZoneId, [.. intents.Select(i => (i.Name, i.ExactRead || !i.Present))], stop.Token);
            var plan = ChangeBatchPlanner.Plan(intents, current);
            foreach (var intent in plan.Unchanged)
            {
                LogUnchanged(logger, intent.Name, intent.Present ? "present" : "absent");
                intent.Completion.TrySetResult(null);
            }

            foreach (var (intent, error) in plan.Refused)
            {
                intent.Completion.TrySetException(error);
            }

            foreach (var batch in plan.Batches)
            {
                try
                {
                    var change = await client.ChangeResourceRecordSetsAsync(lane.Identity, lane.ZoneId, batch.Changes, stop.Token);
                    LogBatchChanged(logger, lane.ZoneId, batch.Names.Count, batch.Changes.Count, change.Id);
                    foreach (var intent in batch.Intents)
                    {
                        intent.Completion.TrySetResult(change.Id);
                    }
                }
                catch (Route53Exception e) when (e.Code == Route53Exception.InvalidChangeBatchCode)
                {
                    conflicted |= Refused(lane, batch, e, retry);
                }
                catch (Route53Exception e)
                {
                    // Not about one change (access, zone, throttling until the deadline): the same answer for the whole batch.
                    FailAll(batch.Intents, e);
                }
            }
        }
        catch (Route53Exception e)
        {
            FailAll(intents, e);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            foreach (var intent in intents)
            {
                intent.Completion.TrySetCanceled(CancellationToken.None);
            }
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }

        return (retry, conflicted);
    }

    /// <summary>Decides the fate of each intent of a refused batch; returns whether any met a conflict.</summary>
    private bool Refused(Lane lane, PlannedBatch batch, Route53Exception refusal, List<ChangeIntent> retry)
    {
        var settings = options.Value;
        var conflicted = false;
        var blamed = ChangeBatchPlanner.Attribute(refusal.AwsMessages, batch);
        if (blamed is null)
        {
            if (refusal.Conflict != BatchConflict.None)
            {
                foreach (var intent in batch.Intents)
                {
                    conflicted |= Conflict(intent, settings, retry);
                }

                return conflicted;
            }

            // Route53 named nothing we recognise: halve the batch until the bad change is alone.
            LogSplitting(logger, lane.ZoneId, batch.Names.Count);
            if (batch.Names.Count > 1)
            {
                var half = batch.Names.Count / 2;
                foreach (var (name, index) in batch.Names.Select((n, i) => (n, i)))
                {
                    foreach (var intent in name.Intents)
                    {
                        intent.Cohort += index < half ? "a" : "b";
                        retry.Add(intent);
                    }
                }
            }
            else
            {
                Isolate(batch.Names[0], refusal, retry);
            }

            return false;
        }

        foreach (var name in batch.Names)
        {
            if (!blamed.TryGetValue(name, out var messages))
            {
                // An innocent neighbour: nothing was applied (batches are atomic), so it simply goes again.
                retry.AddRange(name.Intents);
                continue;
            }

            var error = Route53Errors.Create("ChangeResourceRecordSets", refusal.StatusCode, refusal.Code, messages, lane.ZoneId);
            if (error.Conflict != BatchConflict.None)
            {
                LogConflict(logger, name.Name, error.Conflict);
                foreach (var intent in name.Intents)
                {
                    conflicted |= Conflict(intent, settings, retry);
                }
            }
            else
            {
                Isolate(name, error, retry);
            }
        }

        return conflicted;
    }

    /// <summary>A refused name: with one intent it is the culprit; with several, each goes alone to find out which.</summary>
    private static void Isolate(NameChanges name, Route53Exception error, List<ChangeIntent> retry)
    {
        if (name.Intents.Count == 1)
        {
            name.Intents[0].Completion.TrySetException(error);
            return;
        }

        foreach (var (intent, index) in name.Intents.Select((intent, index) => (intent, index)))
        {
            intent.Cohort += "/" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            intent.ExactRead = true;
            retry.Add(intent);
        }
    }

    private static bool Conflict(ChangeIntent intent, Route53Options settings, List<ChangeIntent> retry)
    {
        intent.Conflicts++;
        intent.ExactRead = true;
        if (intent.Conflicts >= settings.MaxSwapAttempts)
        {
            intent.Completion.TrySetException(Exhausted(intent.Name, settings.MaxSwapAttempts));
            return false;
        }

        retry.Add(intent);
        return true;
    }

    internal static SolverException Exhausted(string name, int attempts) => new(
        $"the TXT records at {name} were changed by another writer between every read and write ({attempts} attempts); " +
        "nothing was overwritten, cert-manager will retry");

    /// <summary>An intent whose caller gave up before its change was sent is dropped: nothing of it is written.</summary>
    private static bool StillWanted(ChangeIntent intent)
    {
        if (intent.Completion.Task.IsCompleted)
        {
            return false;
        }

        if (intent.CancellationToken.IsCancellationRequested)
        {
            intent.Completion.TrySetCanceled(intent.CancellationToken);
            return false;
        }

        return true;
    }

    private static void FailAll(IEnumerable<ChangeIntent> intents, Exception error)
    {
        foreach (var intent in intents)
        {
            intent.Completion.TrySetException(error);
        }
    }

    /// <summary>Zone, partition, endpoint and the credentials themselves (hashed, so the key holds no secret).</summary>
    private string LaneKey(AwsIdentity identity, string zoneId)
    {
        var credentials = identity.Credentials;
        var secret = SHA256.HashData(Encoding.UTF8.GetBytes($"{credentials.AccessKey}\0{credentials.SecretKey}\0{credentials.Token}"));
        return string.Join('|', zoneId, Route53Partition.ForRegion(identity.Region).Name, options.Value.Endpoint, Convert.ToHexString(secret));
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "TXT {Name} already {State}; no change sent")]
    private static partial void LogUnchanged(ILogger logger, string name, string state);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Hosted zone {ZoneId}: {Names} names in one batch ({Changes} changes); Route53 change {ChangeId}")]
    private static partial void LogBatchChanged(ILogger logger, string zoneId, int names, int changes, string changeId);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Information, Message = "TXT {Name} was changed by another writer ({Conflict}); reading again")]
    private static partial void LogConflict(ILogger logger, string name, BatchConflict conflict);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Warning, Message = "Hosted zone {ZoneId}: Route53 refused a batch of {Names} names without naming the record; splitting it to find the bad change")]
    private static partial void LogSplitting(ILogger logger, string zoneId, int names);
}
