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
    private bool _counted;

    /// <param name="replicas">a count known from the start (1 outside a cluster), or null</param>
    public ReplicaMembership(int? replicas = null) => _replicas = replicas;

    /// <summary>Raised after <see cref="Replicas"/> changed, on the thread that changed it.</summary>
    public event EventHandler? Changed;

    /// <summary>Whether <see cref="Replicas"/> comes from the Lease API rather than from the start (local mode).</summary>
    public bool Counted
    {
        get
        {
            lock (_lock)
            {
                return _counted;
            }
        }
    }

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
            _counted = true;
            if (_replicas == replicas)
            {
                return;
            }

            _replicas = replicas;
        }

        Changed?.Invoke(this, EventArgs.Empty);
    }
}
