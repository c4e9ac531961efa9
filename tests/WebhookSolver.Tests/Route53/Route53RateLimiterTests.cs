using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WebhookSolver.Route53;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>The process-wide token bucket, on a clock the test moves.</summary>
public sealed class Route53RateLimiterTests
{
    private static (Route53RateLimiter Limiter, FakeTimeProvider Time) Create(double rate = 4, int burst = 10)
    {
        var time = new FakeTimeProvider();
        var options = Options.Create(new Route53Options { RequestsPerSecond = rate, Burst = burst });
        return (new Route53RateLimiter(options, time, NullLogger<Route53RateLimiter>.Instance), time);
    }

    [Fact]
    public void TheBurstPassesAtOnceAndLaterCallsAreSpacedAtTheRate()
    {
        var (limiter, _) = Create();

        var waits = Enumerable.Range(0, 13).Select(_ => limiter.Reserve()).ToList();

        waits.Take(10).Should().OnlyContain(wait => wait == TimeSpan.Zero);
        waits.Skip(10).Should().Equal(TimeSpan.FromSeconds(0.25), TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(0.75));
    }

    [Fact]
    public void TokensRefillWithTimeUpToTheBurst()
    {
        var (limiter, time) = Create();
        for (var i = 0; i < 10; i++)
        {
            limiter.Reserve();
        }

        time.Advance(TimeSpan.FromSeconds(1));
        var afterOneSecond = Enumerable.Range(0, 5).Select(_ => limiter.Reserve()).ToList();
        time.Advance(TimeSpan.FromHours(1));
        var afterAnHour = Enumerable.Range(0, 11).Select(_ => limiter.Reserve()).ToList();

        afterOneSecond.Take(4).Should().OnlyContain(wait => wait == TimeSpan.Zero);
        afterOneSecond[4].Should().Be(TimeSpan.FromSeconds(0.25));
        afterAnHour.Take(10).Should().OnlyContain(wait => wait == TimeSpan.Zero);
        afterAnHour[10].Should().BeGreaterThan(TimeSpan.Zero, "an idle hour saves no more than the burst");
    }

    [Fact]
    public void ThrottlingHalvesTheRateOncePerBurstOfAnswersAndStopsTheBurst()
    {
        var (limiter, time) = Create();

        limiter.Throttled();
        limiter.Throttled();

        limiter.CurrentRate.Should().Be(2, "answers throttled together slow down once");
        limiter.Reserve().Should().Be(TimeSpan.FromSeconds(0.5), "the saved burst is dropped: the account's budget is spent");
        time.Advance(TimeSpan.FromSeconds(1));
        limiter.Throttled();
        limiter.CurrentRate.Should().Be(1);
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            limiter.Throttled();
        }

        limiter.CurrentRate.Should().Be(0.5, "never below an eighth of the configured rate");
    }

    [Fact]
    public void TheRateRecoversGraduallyAfterThrottlingStops()
    {
        var (limiter, time) = Create();
        limiter.Throttled();
        time.Advance(TimeSpan.FromSeconds(1));
        limiter.Throttled();

        var rates = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            rates.Add(limiter.CurrentRate);
        }

        rates.Should().Equal(2, 3, 4, 4);
    }

    [Fact]
    public void AHighRateAndBurstEffectivelyTurnTheLimiterOff()
    {
        var (limiter, _) = Create(rate: 1_000_000, burst: 1_000_000);

        Enumerable.Range(0, 10_000).Select(_ => limiter.Reserve()).Should().OnlyContain(wait => wait == TimeSpan.Zero);
    }

    [Fact]
    public async Task ACallerThatGivesUpWhileWaitingHandsItsTurnBack()
    {
        var (limiter, _) = Create(rate: 0.001, burst: 1);
        limiter.Reserve();
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));

        await limiter.Invoking(l => l.AcquireAsync(giveUp.Token).AsTask()).Should().ThrowAsync<OperationCanceledException>();

        limiter.Reserve().Should().BeCloseTo(TimeSpan.FromSeconds(1000), TimeSpan.FromSeconds(1), "the abandoned turn is free again");
    }
}
