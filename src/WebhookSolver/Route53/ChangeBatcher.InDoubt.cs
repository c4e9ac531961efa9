namespace WebhookSolver.Route53;

/// <summary>
/// Changes in doubt: a batch whose answer never came may still be applied until AWS refuses its signature as too old
/// (<see cref="Route53Options.InDoubtFor"/>). Its names are read before any new write; once a later call has answered
/// for one of its keys, that key's final state is checked at growing intervals and put back if a late write changed it.
/// </summary>
internal sealed partial class ChangeBatcher
{
    /// <summary>The intent got its answer (written, or already as asked): its key's state is final unless a change of it is in doubt.</summary>
    private void Settle(Lane lane, ChangeIntent intent, string? changeId)
    {
        if (intent.Repair)
        {
            if (changeId is not null)
            {
                metrics.Route53InDoubtRepaired();
                LogRepaired(logger, intent.Name, lane.ZoneId, intent.Present ? "present" : "absent", changeId);
            }
        }
        else
        {
            lock (lane)
            {
                var now = time.GetUtcNow();
                if (lane.InDoubt.Any(c => c.Until > now && c.Keys.Contains((intent.Name, intent.Key))))
                {
                    lane.Desired[(intent.Name, intent.Key)] = intent.Present;
                    if (!lane.Repairing)
                    {
                        lane.Repairing = true;
                        _ = Task.Run(() => RepairAsync(lane), CancellationToken.None);
                    }
                }
            }
        }

        intent.Completion.TrySetResult(changeId);
    }

    /// <summary>
    /// No readable answer came for <paramref name="batch"/>: it may still be applied, until AWS refuses its signature as
    /// too old. Its names are read before any new write, and its keys' final states are watched until then.
    /// </summary>
    private void InDoubt(Lane lane, PlannedBatch batch, string reason, Route53Options settings)
    {
        var until = time.GetUtcNow() + settings.InDoubtFor;
        var keys = batch.Intents.Select(i => (i.Name, i.Key)).Distinct().ToList();
        lock (lane)
        {
            lane.InDoubt.Add(new InDoubtChange(keys, until));
            foreach (var key in keys)
            {
                // Whatever was asked before this change is no longer the final word on the key.
                lane.Desired.Remove(key);
            }
        }

        foreach (var name in batch.Names)
        {
            lane.Known.Remove(name.Name);
        }

        foreach (var intent in batch.Intents)
        {
            intent.ExactRead = true;
        }

        metrics.Route53ChangeInDoubt(reason);
        LogInDoubt(logger, lane.ZoneId, batch.Names.Count, reason, until);
    }

    /// <summary>
    /// While a change of the lane is in doubt, reads the final state of its keys at growing intervals (up to one attempt
    /// timeout, so a late write is found within one and undone by the next round) and puts back what differs, through
    /// the same compare-and-swap rounds as any change.
    /// </summary>
    private async Task RepairAsync(Lane lane)
    {
        var settings = options.Value;
        var pause = FirstRepairPause < settings.AttemptTimeout ? FirstRepairPause : settings.AttemptTimeout;
        var stopping = _stopping.Token;
        while (true)
        {
            try
            {
                await Task.Delay(pause, time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            pause = pause * 2 < settings.AttemptTimeout ? pause * 2 : settings.AttemptTimeout;
            List<(string Name, string Key)> watched;
            lock (lane)
            {
                var now = time.GetUtcNow();
                lane.InDoubt.RemoveAll(c => c.Until <= now);
                var live = lane.InDoubt.SelectMany(c => c.Keys).ToHashSet();
                foreach (var key in lane.Desired.Keys.Where(k => !live.Contains(k)).ToList())
                {
                    lane.Desired.Remove(key);
                }

                if (lane.InDoubt.Count == 0)
                {
                    lane.Repairing = false;
                    LogInDoubtOver(logger, lane.ZoneId);
                    CloseIfIdle(lane);
                    return;
                }

                watched = [.. lane.Desired.Keys];
            }

            if (watched.Count == 0)
            {
                continue;
            }

            using var deadline = new CancellationTokenSource(settings.Deadline, time);
            var repairs = watched.Select(k => new ChangeIntent(k.Name, k.Key, present: false, deadline.Token) { Repair = true, ExactRead = true }).ToList();
            foreach (var repair in repairs)
            {
                Submit(lane.Identity, lane.ZoneId, repair);
            }

            try
            {
                await Task.WhenAll(repairs.Select(r => r.Completion.Task));
            }
            catch (Exception e) when (e is SolverException or OperationCanceledException)
            {
                LogRepairFailed(logger, lane.ZoneId, e.Message);
            }
        }
    }

    /// <summary>
    /// A repair asks for the state its key's last answered call left, decided when it is planned; with none left, or
    /// with a caller's intent for the same key in the round (which decides the key's final state), it is done.
    /// </summary>
    private static List<ChangeIntent> DecideRepairs(Lane lane, List<ChangeIntent> intents)
    {
        if (!intents.Any(i => i.Repair))
        {
            return intents;
        }

        var asked = intents.Where(i => !i.Repair).Select(i => (i.Name, i.Key)).ToHashSet();
        var kept = new List<ChangeIntent>(intents.Count);
        lock (lane)
        {
            foreach (var intent in intents)
            {
                if (intent.Repair)
                {
                    if (asked.Contains((intent.Name, intent.Key)) || !lane.Desired.TryGetValue((intent.Name, intent.Key), out var present))
                    {
                        intent.Completion.TrySetResult(null);
                        continue;
                    }

                    intent.Present = present;
                }

                kept.Add(intent);
            }
        }

        return kept;
    }

    [LoggerMessage(EventId = 3305, Level = LogLevel.Warning,
        Message = "Hosted zone {ZoneId}: a change of {Names} names is in doubt ({Reason}: it may still be applied until {Until:u}); its names are read " +
            "again, and their final state is checked until then")]
    private static partial void LogInDoubt(ILogger logger, string zoneId, int names, string reason, DateTimeOffset until);

    [LoggerMessage(EventId = 3306, Level = LogLevel.Warning,
        Message = "TXT {Name} in hosted zone {ZoneId}: a change in doubt landed late; put back to {State} with Route53 change {ChangeId}")]
    private static partial void LogRepaired(ILogger logger, string name, string zoneId, string state, string changeId);

    [LoggerMessage(EventId = 3307, Level = LogLevel.Information, Message = "Hosted zone {ZoneId}: no change is in doubt any more; checks stopped")]
    private static partial void LogInDoubtOver(ILogger logger, string zoneId);

    [LoggerMessage(EventId = 3308, Level = LogLevel.Warning,
        Message = "Hosted zone {ZoneId}: checking the names of a change in doubt failed ({Failure}); trying again later")]
    private static partial void LogRepairFailed(ILogger logger, string zoneId, string failure);
}
