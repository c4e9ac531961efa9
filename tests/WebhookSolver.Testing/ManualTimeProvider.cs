namespace WebhookSolver.Testing;

/// <summary>
/// A clock that moves only when a test says so (timers still run on real time). It starts at the real time,
/// because code outside the test's reach (the AWS SDK) checks expirations against the real clock.
/// </summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public ManualTimeProvider() : this(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()))
    {
    }

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
