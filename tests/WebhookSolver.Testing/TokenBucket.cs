namespace WebhookSolver.Testing;

/// <summary>
/// A token bucket: <paramref name="burst"/> tokens at most, refilled at <paramref name="ratePerSecond"/>. Route53 limits
/// an account to 5 requests per second across all its API calls and answers the excess with <c>Throttling</c>.
/// </summary>
internal sealed class TokenBucket
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
