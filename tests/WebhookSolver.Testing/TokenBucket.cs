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
}
