namespace WebhookSolver.Kubernetes;

/// <summary>
/// How many replicas of this deployment are live, as far as this replica knows: its own Lease and every other
/// unexpired one. <see cref="Replicas"/> is null until the Lease API has answered once; after that it keeps the
/// last count it had, also while the API cannot be reached.
/// </summary>
internal sealed class ReplicaMembership
{
    private readonly Lock _lock = new();
    private int? _replicas;

    /// <param name="replicas">a count known from the start (1 outside a cluster), or null</param>
    public ReplicaMembership(int? replicas = null) => _replicas = replicas;

    /// <summary>Raised after <see cref="Replicas"/> changed, on the thread that changed it.</summary>
    public event EventHandler? Changed;

    public int? Replicas
    {
        get
        {
            lock (_lock)
            {
                return _replicas;
            }
        }
    }

    /// <summary>A new count from the Lease API (this replica included, so at least 1).</summary>
    public void Report(int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        lock (_lock)
        {
            if (_replicas == replicas)
            {
                return;
            }

            _replicas = replicas;
        }

        Changed?.Invoke(this, EventArgs.Empty);
    }
}
