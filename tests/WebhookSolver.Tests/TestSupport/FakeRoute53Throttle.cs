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

    /// <summary>
    /// The smallest bucket size at <paramref name="ratePerSecond"/> that, starting full, admits every call at
    /// <paramref name="arrivals"/>: the most calls any interval holds beyond what the rate refills in it.
    /// </summary>
    public static double SmallestBurst(IEnumerable<DateTimeOffset> arrivals, double ratePerSecond)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        var sorted = arrivals.Order().ToList();
        if (sorted.Count == 0)
        {
            return 0;
        }

        // Calls i..j need (j - i + 1) - rate * (t_j - t_i) tokens at t_i: the best i for each j is carried along.
        var origin = sorted[0];
        var best = double.NegativeInfinity;
        var smallest = 0.0;
        for (var j = 0; j < sorted.Count; j++)
        {
            var t = (sorted[j] - origin).TotalSeconds;
            best = Math.Max(best, (ratePerSecond * t) - j);
            smallest = Math.Max(smallest, j + 1 - (ratePerSecond * t) + best);
        }

        return smallest;
    }

    /// <summary>The most calls in any window of <paramref name="window"/> (closed at both ends).</summary>
    public static int Busiest(IEnumerable<DateTimeOffset> arrivals, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        var sorted = arrivals.Order().ToList();
        var most = 0;
        for (int first = 0, last = 0; last < sorted.Count; last++)
        {
            while (sorted[last] - sorted[first] > window)
            {
                first++;
            }

            most = Math.Max(most, last - first + 1);
        }

        return most;
    }
}

/// <summary>Route53's account-wide request limit on a <see cref="FakeRoute53"/>, built on its fault hook.</summary>
public sealed class FakeRoute53Throttle
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
