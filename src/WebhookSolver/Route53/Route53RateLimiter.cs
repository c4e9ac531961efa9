using Microsoft.Extensions.Options;

namespace WebhookSolver.Route53;

/// <summary>
/// One token bucket for every Route53 call of the process, sized by this replica's share of the deployment's budget
/// (<see cref="Route53Budget"/>): its share of <see cref="Route53Options.Burst"/> calls at once, then its share of
/// <see cref="Route53Options.RequestsPerSecond"/>. Route53's limit is per AWS account and shared with every other
/// tool, so a Throttling answer halves this replica's rate (at most once a second, never below an eighth of its
/// share) and each <see cref="Route53Options.ThrottleRecoveryInterval"/> without throttling gives a quarter back.
/// </summary>
internal sealed partial class Route53RateLimiter(IOptions<Route53Options> options, Route53Budget budget, TimeProvider time, ILogger<Route53RateLimiter> logger)
{
    private static readonly TimeSpan SlowdownSpacing = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReleaseMargin = TimeSpan.FromMilliseconds(25);

    private readonly Lock _lock = new();
    private bool _started;
    private double _tokens;

    /// <summary>The part of the share in force: 1, or down to an eighth after throttling.</summary>
    private double _pace = 1;
    private DateTimeOffset _refilledAt;
    private DateTimeOffset _lastSlowdown = DateTimeOffset.MinValue;
    private DateTimeOffset _lastWaiterLeft = DateTimeOffset.MinValue;
    private DateTimeOffset _nextRecovery = DateTimeOffset.MaxValue;

    /// <summary>The rate now in force (lower than this replica's share after throttling).</summary>
    public double CurrentRate
    {
        get
        {
            lock (_lock)
            {
                Refill(time.GetUtcNow());
                return Rate;
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
                return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / Rate);
            }
        }
    }

    private double Rate => _pace * budget.RequestsPerSecond;

    /// <summary>Waits for a turn that a later call spends (<see cref="AcquireAsync"/> with it leaves at once).</summary>
    public async ValueTask<Route53Turn> TakeTurnAsync(CancellationToken cancellationToken)
    {
        await AcquireAsync(null, cancellationToken);
        return new Route53Turn(this);
    }

    /// <summary>
    /// Waits for this call's turn, unless it spends <paramref name="held"/>, a turn already waited for; a caller that
    /// gives up while waiting hands its turn back.
    /// </summary>
    public async ValueTask AcquireAsync(Route53Turn? held, CancellationToken cancellationToken)
    {
        if (held is not null && held.TrySpend())
        {
            return;
        }

        var wait = Reserve();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.Delay(Whole(wait), time, cancellationToken);

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
            var earliest = _lastWaiterLeft + TimeSpan.FromSeconds(1 / Rate);
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
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / Rate);
        }
    }

    /// <summary>
    /// A waited call leaves <see cref="ReleaseMargin"/> after its token exists. Route53 counts calls when they arrive:
    /// one that left on time but travelled slowly (a new connection, a busy scheduler) lands next to the calls after
    /// it, and without the margin the account's bucket, which the replicas' shares fill exactly, would be short.
    /// The margin delays each waited call, not the rate. Timers also drop fractions of a millisecond: rounded up.
    /// </summary>
    private static TimeSpan Whole(TimeSpan wait) => TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)) + ReleaseMargin;

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

            _pace = Math.Max(_pace / 2, 1.0 / 8);
            _tokens = Math.Min(_tokens, 0);
            _lastSlowdown = now;
            _nextRecovery = now + options.Value.ThrottleRecoveryInterval;
            LogSlowedDown(logger, Rate);
        }
    }

    /// <summary>Gives back a token taken and never used.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _tokens = Math.Min(_tokens + 1, budget.Burst);
        }
    }

    private void Refill(DateTimeOffset now)
    {
        // The share changes with the number of replicas: a smaller one also shrinks the tokens saved.
        var burst = budget.Burst;
        if (!_started)
        {
            (_started, _tokens, _refilledAt) = (true, burst, now);
            return;
        }

        if (now > _refilledAt)
        {
            _tokens += (now - _refilledAt).TotalSeconds * Rate;
            _refilledAt = now;
        }

        _tokens = Math.Min(burst, _tokens);
        while (_pace < 1 && now >= _nextRecovery)
        {
            _pace = Math.Min(1, _pace + 0.25);
            _nextRecovery += options.Value.ThrottleRecoveryInterval;
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Route53 throttled this account's calls; slowing down to {Rate:0.##} requests/s")]
    private static partial void LogSlowedDown(ILogger logger, double rate);
}
