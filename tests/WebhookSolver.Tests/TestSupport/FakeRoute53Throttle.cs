namespace WebhookSolver.Tests.TestSupport;

/// <summary>
/// A token bucket: <paramref name="burst"/> tokens at most, refilled at <paramref name="ratePerSecond"/>. Route53 limits
/// an account to 5 requests per second across all its API calls and answers the excess with <c>Throttling</c>.
/// </summary>
public sealed class TokenBucket
{
    private readonly object _lock = new();
    private readonly double _ratePerSecond;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private double _tokens;
    private DateTimeOffset _refilled;

    public TokenBucket(double ratePerSecond, int burst, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _ratePerSecond = ratePerSecond;
        _burst = burst;
        _time = time ?? TimeProvider.System;
        _tokens = burst;
        _refilled = _time.GetUtcNow();
    }

    /// <summary>Takes one token; false when the bucket is empty (the call is over the rate).</summary>
    public bool TryTake()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var elapsed = (now - _refilled).TotalSeconds;
            if (elapsed > 0)
            {
                _tokens = Math.Min(_burst, _tokens + (elapsed * _ratePerSecond));
                _refilled = now;
            }

            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}

/// <summary>Route53's account-wide request limit on a <see cref="FakeRoute53"/>, built on its fault hook.</summary>
public sealed class FakeRoute53Throttle
{
    private readonly TokenBucket _bucket;
    private long _throttled;
    private long _admitted;

    private FakeRoute53Throttle(TokenBucket bucket) => _bucket = bucket;

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
        var throttle = new FakeRoute53Throttle(new TokenBucket(ratePerSecond, burst, time));
        fake.Inject((_, _) =>
        {
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
