namespace WebhookSolver.Testing;

/// <summary>Route53's account-wide request limit on a <see cref="FakeRoute53"/>, built on its fault hook.</summary>
internal sealed class FakeRoute53Throttle
{
    private readonly TokenBucket _bucket;
    private readonly TimeProvider _time;
    private readonly System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset> _arrivals = new();
    private long _throttled;
    private long _admitted;

    private FakeRoute53Throttle(TokenBucket bucket, TimeProvider time) => (_bucket, _time) = (bucket, time);

    /// <summary>When each call arrived, throttled or not (Route53 counts both against the account).</summary>
    public IReadOnlyList<DateTimeOffset> Arrivals => [.. _arrivals];

    /// <summary>Calls answered with <c>Throttling</c>.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Calls let through to the fake's real answer.</summary>
    public long Admitted => Interlocked.Read(ref _admitted);

    /// <summary>
    /// Every operation of <paramref name="fake"/> takes a token from one shared bucket; a call that finds it empty is
    /// answered with Route53's <c>Throttling</c> error. Add it before other faults so that it sees every call.
    /// </summary>
    public static FakeRoute53Throttle Attach(FakeRoute53 fake, double ratePerSecond = 5, int burst = 5, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(fake);
        var throttle = new FakeRoute53Throttle(new TokenBucket(ratePerSecond, burst, time), time ?? TimeProvider.System);
        fake.Inject((_, _) =>
        {
            throttle._arrivals.Enqueue(throttle._time.GetUtcNow());
            if (throttle._bucket.TryTake())
            {
                Interlocked.Increment(ref throttle._admitted);
                return null;
            }

            Interlocked.Increment(ref throttle._throttled);
            return FakeRoute53.Throttling;
        });
        return throttle;
    }
}
