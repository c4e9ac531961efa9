namespace WebhookSolver.Route53;

/// <summary>
/// A turn of the <see cref="Route53RateLimiter"/> taken ahead of the call that spends it: a round of
/// <see cref="ChangeBatcher"/> waits for its turn before it fixes its changes, so everything that arrives meanwhile
/// goes with it, and its first call then leaves at once. A turn no call spent is handed back when disposed.
/// </summary>
internal sealed class Route53Turn(Route53RateLimiter limiter) : IDisposable
{
    private int _spent;

    /// <summary>Spends the turn; false when a call already did.</summary>
    public bool TrySpend() => Interlocked.Exchange(ref _spent, 1) == 0;

    public void Dispose()
    {
        if (TrySpend())
        {
            limiter.Release();
        }
    }
}
