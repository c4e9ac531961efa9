using WebhookSolver.Challenges;

namespace WebhookSolver.Route53;

/// <summary>One challenge's wish (add or remove its key at a name) waiting for a round of <see cref="ChangeBatcher"/>.</summary>
internal sealed class ChangeIntent(string name, string key, bool present, CancellationToken cancellationToken)
{
    /// <summary>Normalized (lower case, trailing dot).</summary>
    public string Name { get; } = DnsName.Normalize(name);

    public string Key { get; } = key;

    /// <summary>For a repair: the wish is decided when the round plans it (<see cref="ChangeBatcher"/>'s desired state), not when it was queued.</summary>
    public bool Present { get; set; } = present;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The Route53 change id that carried it, or null when nothing had to change.</summary>
    public TaskCompletionSource<string?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Compare-and-swap conflicts so far (bounded by <see cref="Route53Options.MaxSwapAttempts"/>).</summary>
    public int Conflicts { get; set; }

    /// <summary>Intents of different groups never share a batch: how a refused batch is split to find the bad change.</summary>
    public SplitGroup Group { get; set; } = SplitGroup.All;

    /// <summary>Read its name with a call of its own (after a conflict or a change in doubt), never inferred from a neighbour's page or memory.</summary>
    public bool ExactRead { get; set; }

    /// <summary>Queued by the repair of a change in doubt rather than by a caller: it never changes the desired state.</summary>
    public bool Repair { get; init; }

    /// <summary>The last transient failure its change met (an answer that never came or could not be read): what a caller that gives up is told.</summary>
    public Route53Exception? LastFailure { get; set; }

    /// <summary>Set when this intent's caller was the last one waiting on its round, so the round stopped for it.</summary>
    public bool StoppedRound { get; set; }
}

/// <summary>
/// Which part of a refused batch an intent belongs to. Every intent starts in <see cref="All"/>; a refusal that names
/// no record splits its batch into two parts, and a refused name with several intents gives each its own part.
/// </summary>
/// <param name="Parent">the group that was split; null for <see cref="All"/></param>
/// <param name="Part">which part of the parent</param>
internal sealed record SplitGroup(SplitGroup? Parent, int Part)
{
    public static SplitGroup All { get; } = new(null, 0);

    public SplitGroup Split(int part) => new(this, part);
}

/// <summary>Another writer changed the name between every read and write: nothing was overwritten.</summary>
internal sealed class SwapAttemptsExhaustedException(string name, int attempts) : SolverException(
    $"the TXT records at {name} were changed by another writer between every read and write ({attempts} attempts); " +
    "nothing was overwritten, cert-manager will retry");
