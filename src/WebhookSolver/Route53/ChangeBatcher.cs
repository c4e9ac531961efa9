using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WebhookSolver.Credentials;

namespace WebhookSolver.Route53;

/// <summary>
/// The one write path: every Present and CleanUp becomes a <see cref="ChangeIntent"/> of a lane (one hosted zone and
/// one AWS identity: different credentials cannot share a signed request), and lanes write in rounds, one at a time,
/// so a later CleanUp never overtakes the Present before it. A round settles what each name holds (read it, or trust
/// what this process last wrote or read there, or — for Presents at a name with nothing known — take it as empty and
/// let Route53 refuse the CREATE if a set exists), folds and packs the intents (<see cref="ChangeBatchPlanner"/>) and
/// sends the batches. A refused batch never fails its neighbours: conflicts re-read and retry (bounded), a change
/// Route53 names as invalid fails only its intents, and a refusal that names nothing is split until the culprit is
/// alone. A batch whose answer never came is in doubt: its names are read again before any new write, and until it
/// can no longer land (<see cref="Route53Options.InDoubtFor"/>) the final state of its keys is checked and repaired.
/// </summary>
internal sealed partial class ChangeBatcher(
    Route53Client client,
    TxtSetReader reader,
    Route53RateLimiter limiter,
    JitterSource jitter,
    Route53Metrics metrics,
    IOptions<Route53Options> options,
    TimeProvider time,
    ILogger<ChangeBatcher> logger) : IDisposable
{
    /// <summary>Rounds spent splitting refused batches on top of the conflict attempts: enough to isolate one change among thousands.</summary>
    private const int MaxSplitRounds = 24;

    /// <summary>First pause of the repair of a change in doubt; doubled up to <see cref="Route53Options.AttemptTimeout"/>.</summary>
    private static readonly TimeSpan FirstRepairPause = TimeSpan.FromSeconds(1);

    private sealed record InDoubtChange(IReadOnlyList<(string Name, string Key)> Keys, DateTimeOffset Until);

    private sealed class Lane(string key, AwsIdentity identity, string zoneId)
    {
        public string Key { get; } = key;

        public AwsIdentity Identity { get; } = identity;

        public string ZoneId { get; } = zoneId;

        // Under the lane's lock.
        public List<ChangeIntent> Queue { get; } = [];

        public bool Running { get; set; }

        public bool Closed { get; set; }

        public List<InDoubtChange> InDoubt { get; } = [];

        /// <summary>The state the last answered Present or CleanUp of a key left, for keys of changes in doubt.</summary>
        public Dictionary<(string Name, string Key), bool> Desired { get; } = [];

        public bool Repairing { get; set; }

        // Only the lane's running round touches these (Running hands them over under the lock).
        public Dictionary<string, (IReadOnlyList<ResourceRecordSet> Sets, DateTimeOffset Until)> Known { get; } = new(StringComparer.Ordinal);
    }

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Ends the repair checks when the process stops.</summary>
    private readonly CancellationTokenSource _stopping = new();

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>Queues <paramref name="intent"/>; its <see cref="ChangeIntent.Completion"/> reports the outcome.</summary>
    public void Submit(AwsIdentity identity, string zoneId, ChangeIntent intent)
    {
        var key = LaneKey(identity, zoneId);
        while (true)
        {
            if (!_lanes.TryGetValue(key, out var lane))
            {
                Sweep();
                lane = _lanes.GetOrAdd(key, _ => new Lane(key, identity, zoneId));
            }

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
        var settings = options.Value;
        if (settings.WriteStrategy == Route53WriteStrategy.FixedWindow && settings.BatchWindow > TimeSpan.Zero)
        {
            await Task.Delay(settings.BatchWindow, time, CancellationToken.None);
        }
        else
        {
            // Intents that arrive together (the callers of one shared zone lookup) share the first round.
            await Task.Yield();
        }

        while (true)
        {
            using var turn = settings.WriteStrategy == Route53WriteStrategy.GroupCommit ? await GatherAsync(lane, settings) : null;
            List<ChangeIntent> intents;
            lock (lane)
            {
                intents = [.. lane.Queue];
                lane.Queue.Clear();
                if (intents.Count == 0)
                {
                    lane.Running = false;
                    CloseIfIdle(lane);
                    return;
                }
            }

            try
            {
                await ProcessAsync(lane, intents, turn);
            }
            catch (Exception e)
            {
                // Nothing may be left waiting forever, whatever went wrong.
                FailAll(intents, e);
            }
        }
    }

    /// <summary>
    /// Group commit: a round leaves as soon as Route53 may be called. When the client-side rate limit would make its
    /// first call wait anyway (a wave has spent the burst), the round waits for its turn here instead and takes
    /// everything that arrived meanwhile; its first call then spends that turn. A lone change on an idle lane pays no
    /// delay at all, and a zero <see cref="Route53Options.BatchWindow"/> never waits.
    /// </summary>
    /// <returns>the turn the round waited for, or null when it did not wait</returns>
    private async Task<Route53Turn?> GatherAsync(Lane lane, Route53Options settings)
    {
        if (settings.BatchWindow <= TimeSpan.Zero || limiter.NextFree <= TimeSpan.Zero)
        {
            return null;
        }

        List<ChangeIntent> waiting;
        lock (lane)
        {
            waiting = [.. lane.Queue];
        }

        if (waiting.Count == 0)
        {
            return null;
        }

        // Like the round, the wait serves its callers: it ends when every one of them has given up, and never outlives the deadline.
        using var stop = new CancellationTokenSource(settings.Deadline, time);
        var registrations = WhenAllGiveUp(waiting, _ => stop.Cancel());
        try
        {
            return await limiter.TakeTurnAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // The turn went back to the limiter; whoever queued since waits for a turn of its own.
            return null;
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }
    }

    /// <summary>Calls <paramref name="allGone"/> with the last of <paramref name="intents"/> whose caller gives up, once all have.</summary>
    private static List<CancellationTokenRegistration> WhenAllGiveUp(List<ChangeIntent> intents, Action<ChangeIntent> allGone)
    {
        var waiting = intents.Count;
        return [.. intents.Select(intent => intent.CancellationToken.Register(() =>
        {
            if (Interlocked.Decrement(ref waiting) == 0)
            {
                allGone(intent);
            }
        }))];
    }

    /// <param name="turn">the turn the round waited for, which its first call spends</param>
    private async Task ProcessAsync(Lane lane, List<ChangeIntent> intents, Route53Turn? turn)
    {
        var settings = options.Value;
        var pending = intents;
        var transient = 0;
        for (var round = 1; ; round++)
        {
            pending = [.. pending.Where(StillWanted)];
            if (pending.Count == 0)
            {
                return;
            }

            if (round > settings.MaxSwapAttempts + MaxSplitRounds)
            {
                FailAll(pending, new SwapAttemptsExhaustedException(pending[0].Name, settings.MaxSwapAttempts));
                return;
            }

            var outcome = await RoundAsync(lane, pending, settings, turn);
            pending = outcome.Retry;
            if (pending.Count == 0)
            {
                continue;
            }

            if (outcome.InDoubt)
            {
                // Not a conflict: the attempt budget is the callers' deadline, as for any transient failure.
                round--;
                transient++;
                await Task.Delay(Backoff.Delay(jitter, settings.RetryBaseDelay, settings.RetryMaxDelay, transient), time, CancellationToken.None);
            }
            else if (outcome.Conflicted)
            {
                // Several writers that collided retry at different moments.
                var pause = Backoff.Delay(jitter, settings.RetryBaseDelay, settings.RetryMaxDelay, pending.Max(i => i.Conflicts));
                await Task.Delay(pause, time, CancellationToken.None);
            }
        }
    }

    private sealed record RoundOutcome(List<ChangeIntent> Retry, bool Conflicted, bool InDoubt);

    private async Task<RoundOutcome> RoundAsync(Lane lane, List<ChangeIntent> intents, Route53Options settings, Route53Turn? turn)
    {
        // The round serves its callers: it stops when every one of them has given up, and never outlives the deadline.
        using var stop = new CancellationTokenSource(settings.Deadline, time);
        var registrations = WhenAllGiveUp(intents, last =>
        {
            last.StoppedRound = true;
            stop.Cancel();
        });
        var retry = new List<ChangeIntent>();
        var conflicted = false;
        var inDoubt = false;
        PlannedBatch? inFlight = null;
        try
        {
            intents = DecideRepairs(lane, intents);
            var (current, guessed) = await SettleStateAsync(lane, intents, settings, turn, stop.Token);
            var plan = ChangeBatchPlanner.Plan(intents, current);

            // A guess (memory, or "empty" for a Present) may only lead to a write Route53 checks; whatever it would
            // conclude without writing is confirmed by reading first.
            var unsure = plan.Unchanged.Select(i => i.Name).Concat(plan.Refused.Select(r => r.Intent.Name))
                .Where(guessed.Contains).ToHashSet(StringComparer.Ordinal);
            if (unsure.Count > 0)
            {
                foreach (var intent in intents.Where(i => unsure.Contains(i.Name)))
                {
                    intent.ExactRead = true;
                    retry.Add(intent);
                }

                plan = ChangeBatchPlanner.Plan([.. intents.Where(i => !unsure.Contains(i.Name))], current);
            }

            foreach (var intent in plan.Unchanged)
            {
                LogUnchanged(logger, intent.Name, intent.Present ? "present" : "absent");
                Settle(lane, intent, null);
            }

            foreach (var (intent, error) in plan.Refused)
            {
                intent.Completion.TrySetException(error);
            }

            foreach (var batch in plan.Batches)
            {
                try
                {
                    inFlight = batch;
                    var change = await client.ChangeResourceRecordSetsAsync(lane.Identity, lane.ZoneId, batch.Changes, stop.Token, turn);
                    inFlight = null;
                    LogBatchChanged(logger, lane.ZoneId, batch.Names.Count, batch.Changes.Count, change.Id);
                    foreach (var name in batch.Names)
                    {
                        Remember(lane, name.Name, name.After, settings);
                        foreach (var intent in name.Intents)
                        {
                            Settle(lane, intent, change.Id);
                        }
                    }
                }
                catch (Route53Exception e) when (e.InDoubt)
                {
                    inFlight = null;
                    InDoubt(lane, batch, Reason(e), settings);
                    foreach (var intent in batch.Intents)
                    {
                        intent.LastFailure = e;
                        retry.Add(intent);
                    }

                    inDoubt = true;
                }
                catch (Route53Exception e) when (e.Code is Route53Exception.InvalidChangeBatchCode or Route53Exception.InvalidInputCode)
                {
                    inFlight = null;
                    conflicted |= Refused(lane, batch, e, retry);
                }
                catch (Route53Exception e)
                {
                    // Not about one change (access, zone, throttling until the deadline): the same answer for the whole batch.
                    inFlight = null;
                    FailAll(batch.Intents, e);
                }
                catch (Exception e) when (e is ArgumentException or System.Xml.XmlException)
                {
                    // A change that cannot be written as XML: nothing was sent; split until it is alone.
                    inFlight = null;
                    var refusal = Route53Errors.Create("ChangeResourceRecordSets", 0, Route53Exception.InvalidInputCode, [], lane.ZoneId);
                    Split(lane, batch, refusal, retry);
                }
            }
        }
        catch (Route53Exception e)
        {
            FailAll(intents, e);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            if (inFlight is not null)
            {
                InDoubt(lane, inFlight, "cancelled", settings);
            }

            foreach (var intent in intents)
            {
                Abandon(intent);
            }
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }

        return new RoundOutcome(retry, conflicted, inDoubt);
    }

    /// <summary>
    /// What each name holds, as far as this round needs to know: read (always for FixedWindow, after a conflict or a
    /// change in doubt, and for CleanUps with nothing known), else the sets this process last wrote or read there,
    /// else nothing (only for Presents: their CREATE is refused atomically if a set exists).
    /// </summary>
    /// <returns>the state per name, and the names whose state is a guess rather than a read</returns>
    private async Task<(Dictionary<string, IReadOnlyList<ResourceRecordSet>> Current, HashSet<string> Guessed)> SettleStateAsync(
        Lane lane, List<ChangeIntent> intents, Route53Options settings, Route53Turn? turn, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = new Dictionary<string, IReadOnlyList<ResourceRecordSet>>(StringComparer.Ordinal);
        var guessed = new HashSet<string>(StringComparer.Ordinal);
        var toRead = new List<(string Name, bool Exact)>();
        foreach (var atName in intents.GroupBy(i => i.Name, StringComparer.Ordinal))
        {
            var mustRead = settings.WriteStrategy == Route53WriteStrategy.FixedWindow || atName.Any(i => i.ExactRead);
            if (!mustRead && lane.Known.TryGetValue(atName.Key, out var known) && known.Until > now)
            {
                current[atName.Key] = known.Sets;
                guessed.Add(atName.Key);
            }
            else if (!mustRead && atName.All(i => i.Present))
            {
                current[atName.Key] = [];
                guessed.Add(atName.Key);
            }
            else
            {
                toRead.Add((atName.Key, atName.Any(i => i.ExactRead || !i.Present)));
            }
        }

        if (toRead.Count > 0)
        {
            var read = await reader.ReadManyAsync(lane.Identity, lane.ZoneId, toRead, cancellationToken, turn);
            foreach (var (name, sets) in read)
            {
                current[name] = sets;
                Remember(lane, name, sets, settings);
            }
        }

        return (current, guessed);
    }

    private void Remember(Lane lane, string name, IReadOnlyList<ResourceRecordSet> sets, Route53Options settings)
    {
        if (settings.RememberSetsFor <= TimeSpan.Zero || settings.WriteStrategy == Route53WriteStrategy.FixedWindow)
        {
            return;
        }

        var now = time.GetUtcNow();
        lane.Known[name] = (sets, now + settings.RememberSetsFor);
        if (lane.Known.Count > 64)
        {
            foreach (var (stale, _) in lane.Known.Where(k => k.Value.Until <= now).ToList())
            {
                lane.Known.Remove(stale);
            }
        }
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
                foreach (var name in batch.Names)
                {
                    lane.Known.Remove(name.Name);
                    foreach (var intent in name.Intents)
                    {
                        conflicted |= Conflict(intent, settings, retry);
                    }
                }

                return conflicted;
            }

            Split(lane, batch, refusal, retry);
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
            lane.Known.Remove(name.Name);
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

    /// <summary>Route53 named nothing we recognise: halve the batch until the bad change is alone.</summary>
    private void Split(Lane lane, PlannedBatch batch, Route53Exception refusal, List<ChangeIntent> retry)
    {
        LogSplitting(logger, lane.ZoneId, batch.Names.Count);
        if (batch.Names.Count == 1)
        {
            Isolate(batch.Names[0], refusal, retry);
            return;
        }

        var half = batch.Names.Count / 2;
        foreach (var (name, index) in batch.Names.Select((n, i) => (n, i)))
        {
            foreach (var intent in name.Intents)
            {
                intent.Group = intent.Group.Split(index < half ? 0 : 1);
                retry.Add(intent);
            }
        }
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
            intent.Group = intent.Group.Split(index);
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
            intent.Completion.TrySetException(new SwapAttemptsExhaustedException(intent.Name, settings.MaxSwapAttempts));
            return false;
        }

        retry.Add(intent);
        return true;
    }

    /// <summary>An intent whose caller gave up before its change was sent is dropped: nothing of it is written.</summary>
    private static bool StillWanted(ChangeIntent intent)
    {
        if (intent.Completion.Task.IsCompleted)
        {
            return false;
        }

        if (intent.CancellationToken.IsCancellationRequested)
        {
            Abandon(intent);
            return false;
        }

        return true;
    }

    /// <summary>The caller gave up: it learns the last transient failure its change met, if any, rather than a bare timeout.</summary>
    private static void Abandon(ChangeIntent intent)
    {
        if (intent.LastFailure is { } failure)
        {
            intent.Completion.TrySetException(failure);
        }
        else
        {
            intent.Completion.TrySetCanceled(CancellationToken.None);
        }
    }

    private static void FailAll(IEnumerable<ChangeIntent> intents, Exception error)
    {
        foreach (var intent in intents)
        {
            intent.Completion.TrySetException(error);
        }
    }

    private static string Reason(Route53Exception e) => e.Code switch
    {
        Route53Exception.TimeoutCode => "timeout",
        Route53Exception.ConnectionFailedCode => "connection",
        Route53Exception.MalformedCode => "malformed",
        _ => "http_5xx",
    };

    /// <summary>Under the lane's lock: a lane with nothing queued, in doubt or remembered leaves the table.</summary>
    private void CloseIfIdle(Lane lane)
    {
        var now = time.GetUtcNow();
        if (lane.Running || lane.Repairing || lane.Queue.Count > 0 || lane.InDoubt.Count > 0 || lane.Known.Values.Any(k => k.Until > now))
        {
            return;
        }

        lane.Closed = true;
        _lanes.TryRemove(new KeyValuePair<string, Lane>(lane.Key, lane));
    }

    /// <summary>Lanes of credentials no longer used (rotated session keys) are dropped once their memory has expired.</summary>
    private void Sweep()
    {
        foreach (var lane in _lanes.Values)
        {
            lock (lane)
            {
                if (!lane.Closed)
                {
                    CloseIfIdle(lane);
                }
            }
        }
    }

    /// <summary>Zone, partition, endpoint and the credentials themselves (fingerprinted, so the key holds no secret).</summary>
    private string LaneKey(AwsIdentity identity, string zoneId) =>
        string.Join('|', zoneId, Route53Partition.ForRegion(identity.Region).Name, options.Value.Endpoint, CredentialFingerprint.Of(identity.Credentials));

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "TXT {Name} already {State}; no change sent")]
    private static partial void LogUnchanged(ILogger logger, string name, string state);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information,
        Message = "Hosted zone {ZoneId}: {Names} names in one batch ({Changes} changes); Route53 change {ChangeId}")]
    private static partial void LogBatchChanged(ILogger logger, string zoneId, int names, int changes, string changeId);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Information, Message = "TXT {Name} was changed by another writer ({Conflict}); reading again")]
    private static partial void LogConflict(ILogger logger, string name, BatchConflict conflict);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Warning,
        Message = "Hosted zone {ZoneId}: Route53 refused a batch of {Names} names without naming the record; splitting it to find the bad change")]
    private static partial void LogSplitting(ILogger logger, string zoneId, int names);
}
