namespace WebhookSolver.Route53;

/// <summary>
/// The random part of every retry pause. Injected (never <c>Random.Shared</c>) so that tests can fix it; writers that
/// collided retry at different moments because each draws its own pause.
/// </summary>
internal sealed class JitterSource(Random random)
{
    private readonly Lock _lock = new();

    /// <summary>A number in [0, 1).</summary>
    public double Next()
    {
        lock (_lock)
        {
            return random.NextDouble();
        }
    }
}

/// <summary>Exponential backoff with full jitter, the AWS SDKs' retry pause: a random part of a ceiling that doubles per attempt.</summary>
internal static class Backoff
{
    /// <param name="attempt">1 for the first retry</param>
    public static TimeSpan Delay(JitterSource jitter, TimeSpan baseDelay, TimeSpan maxDelay, int attempt)
    {
        ArgumentNullException.ThrowIfNull(jitter);
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(jitter.Next() * ceiling);
    }
}
