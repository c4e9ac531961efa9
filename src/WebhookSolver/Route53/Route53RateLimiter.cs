using Microsoft.Extensions.Options;

namespace WebhookSolver.Route53;

/// <summary>
/// One token bucket for every Route53 call of the process: <see cref="Route53Options.Burst"/> calls at once, then
/// <see cref="Route53Options.RequestsPerSecond"/>. Route53's limit is per AWS account and shared with every other
/// tool, so a Throttling answer halves the rate (at most once a second, never below an eighth of the configured
/// rate) and each <see cref="Route53Options.ThrottleRecoveryInterval"/> without throttling gives a quarter back.
/// </summary>
internal sealed partial class Route53RateLimiter(IOptions<Route53Options> options, TimeProvider time, ILogger<Route53RateLimiter> logger)
{
    private static readonly TimeSpan SlowdownSpacing = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private bool _started;
    private double _tokens;
    private double _rate;
    private DateTimeOffset _refilledAt;
    private DateTimeOffset _lastSlowdown = DateTimeOffset.MinValue;
    private DateTimeOffset _lastWaiterLeft = DateTimeOffset.MinValue;
    private DateTimeOffset _nextRecovery = DateTimeOffset.MaxValue;

    /// <summary>The rate now in force (lower than configured after throttling).</summary>
    public double CurrentRate
    {
        get
        {
            lock (_lock)
            {
                Refill(time.GetUtcNow());
                return _rate;
            }
        }
    }

    /// <summary>How long a call that asked now would wait for its turn (nothing is reserved): zero while a token is free.</summary>
    public TimeSpan NextFree
    {
        get
        {
            lock (_lock)
            {
                Refill(time.GetUtcNow());
                return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / _rate);
            }
        }
    }

    /// <summary>Waits for this call's turn; a caller that gives up while waiting hands its turn back.</summary>
    public async ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        var wait = Reserve();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.Delay(wait, time, cancellationToken);

            // A busy host can wake several waiters late at once: their turns passed meanwhile, and sent together they would
            // reach Route53 as a burst its bucket may not hold. Waiters leave at least one interval apart.
            var spacing = SpaceOut();
            if (spacing > TimeSpan.Zero)
            {
                await Task.Delay(spacing, time, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            Release();
            throw;
        }
    }

    /// <summary>How much longer a waiter that just woke waits so that it leaves one interval after the waiter before it.</summary>
    private TimeSpan SpaceOut()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var earliest = _lastWaiterLeft + TimeSpan.FromSeconds(1 / _rate);
            _lastWaiterLeft = earliest > now ? earliest : now;
            return _lastWaiterLeft - now;
        }
    }

    /// <summary>Takes a token and returns how long to wait before using it: zero while the burst lasts.</summary>
    /// <remarks>Tokens go negative as calls queue up, so each waiter's turn is fixed when it arrives (first come, first served).</remarks>
    public TimeSpan Reserve()
    {
        lock (_lock)
        {
            Refill(time.GetUtcNow());
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _rate);
        }
    }

    /// <summary>Route53 answered Throttling: the account's budget is spent, possibly by someone else.</summary>
    public void Throttled()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            Refill(now);
            // Calls in flight together are throttled together: one slowdown per burst of answers.
            if (now - _lastSlowdown < SlowdownSpacing)
            {
                return;
            }

            var settings = options.Value;
            _rate = Math.Max(_rate / 2, settings.RequestsPerSecond / 8);
            _tokens = Math.Min(_tokens, 0);
            _lastSlowdown = now;
            _nextRecovery = now + settings.ThrottleRecoveryInterval;
            LogSlowedDown(logger, _rate);
        }
    }

    private void Release()
    {
        lock (_lock)
        {
            _tokens = Math.Min(_tokens + 1, options.Value.Burst);
        }
    }

    private void Refill(DateTimeOffset now)
    {
        var settings = options.Value;
        if (!_started)
        {
            (_started, _tokens, _rate, _refilledAt) = (true, settings.Burst, settings.RequestsPerSecond, now);
            return;
        }

        if (now > _refilledAt)
        {
            _tokens = Math.Min(settings.Burst, _tokens + ((now - _refilledAt).TotalSeconds * _rate));
            _refilledAt = now;
        }

        while (_rate < settings.RequestsPerSecond && now >= _nextRecovery)
        {
            _rate = Math.Min(settings.RequestsPerSecond, _rate + (settings.RequestsPerSecond / 4));
            _nextRecovery += settings.ThrottleRecoveryInterval;
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Route53 throttled this account's calls; slowing down to {Rate:0.##} requests/s")]
    private static partial void LogSlowedDown(ILogger logger, double rate);
}
