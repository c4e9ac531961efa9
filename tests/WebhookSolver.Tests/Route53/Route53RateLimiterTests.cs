using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WebhookSolver.Kubernetes;
using WebhookSolver.Route53;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

/// <summary>The process-wide token bucket, on a clock the test moves.</summary>
public sealed class Route53RateLimiterTests
{
    private static (Route53RateLimiter Limiter, FakeTimeProvider Time) Create(double rate = 4, int burst = 10, ReplicaMembership? membership = null)
    {
        var time = new FakeTimeProvider();
        var options = Options.Create(new Route53Options { RequestsPerSecond = rate, Burst = burst });
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var budget = new Route53Budget(options, new Route53Metrics(meters), NullLogger<Route53Budget>.Instance, membership);
        return (new Route53RateLimiter(options, budget, time, NullLogger<Route53RateLimiter>.Instance), time);
    }

    [Fact]
    public void AReplicaTakesItsShareOfTheDeploymentsRateAndBurst()
    {
        var (limiter, _) = Create(rate: 4, burst: 10, membership: new ReplicaMembership(2));

        var waits = Enumerable.Range(0, 7).Select(_ => limiter.Reserve()).ToList();

        limiter.CurrentRate.Should().Be(2);
        waits.Take(5).Should().OnlyContain(wait => wait == TimeSpan.Zero, "half of the burst of 10");
        waits.Skip(5).Should().Equal(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void UntilTheLeaseApiAnswersTheAssumedReplicasShareTheBudget()
    {
        var (limiter, _) = Create(rate: 4, burst: 10, membership: new ReplicaMembership());

        limiter.CurrentRate.Should().Be(2, "--route53-assumed-replicas defaults to 2");
    }

    [Fact]
    public void TheShareFollowsMembershipAndASmallerShareShrinksTheSavedTokens()
    {
        var membership = new ReplicaMembership(1);
        var (limiter, time) = Create(rate: 6, burst: 9, membership: membership);
        limiter.Reserve().Should().Be(TimeSpan.Zero);

        membership.Report(3);
        var waits = Enumerable.Range(0, 4).Select(_ => limiter.Reserve()).ToList();

        limiter.CurrentRate.Should().Be(2);
        waits.Take(3).Should().OnlyContain(wait => wait == TimeSpan.Zero, "a third of the burst of 9 is saved, not the 8 tokens left before");
        waits[3].Should().Be(TimeSpan.FromSeconds(0.5));

        membership.Report(1);
        time.Advance(TimeSpan.FromSeconds(1));
        limiter.CurrentRate.Should().Be(6, "a replica that left gives its share back");
    }

    [Fact]
    public void ThrottlingSlowsThisReplicaWithinItsShare()
    {
        var (limiter, time) = Create(rate: 8, burst: 10, membership: new ReplicaMembership(2));

        limiter.Throttled();
        limiter.CurrentRate.Should().Be(2);
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            limiter.Throttled();
        }

        limiter.CurrentRate.Should().Be(0.5, "never below an eighth of this replica's share");
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

        await limiter.Invoking(l => l.AcquireAsync(null, giveUp.Token).AsTask()).Should().ThrowAsync<OperationCanceledException>();

        limiter.Reserve().Should().BeCloseTo(TimeSpan.FromSeconds(1000), TimeSpan.FromSeconds(1), "the abandoned turn is free again");
    }

    [Fact]
    public async Task ATurnTakenAheadIsSpentByOneCallWhichThenLeavesAtOnce()
    {
        var (limiter, time) = Create(rate: 1, burst: 1);
        limiter.Reserve();
        var taking = limiter.TakeTurnAsync(CancellationToken.None).AsTask();
        var behind = limiter.Reserve();

        taking.IsCompleted.Should().BeFalse("the turn comes when a token exists");
        time.Advance(TimeSpan.FromSeconds(1.1));
        using var turn = await taking.WaitAsync(TimeSpan.FromSeconds(5));

        var first = limiter.AcquireAsync(turn, CancellationToken.None).AsTask();
        var second = limiter.AcquireAsync(turn, CancellationToken.None).AsTask();

        first.IsCompleted.Should().BeTrue("the call spends the turn waited for instead of queueing behind the later reservation");
        behind.Should().Be(TimeSpan.FromSeconds(2));
        second.IsCompleted.Should().BeFalse("a turn is spent once: the next call of the round queues as any other");
    }

    [Fact]
    public async Task ATurnNoCallSpentIsHandedBack()
    {
        var (limiter, time) = Create(rate: 1, burst: 1);
        limiter.Reserve();
        var taking = limiter.TakeTurnAsync(CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(1.1));
        var turn = await taking.WaitAsync(TimeSpan.FromSeconds(5));

        turn.Dispose();

        limiter.Reserve().Should().Be(TimeSpan.Zero, "the round that waited needed no call, so its token is free again");
    }

    [Fact]
    public void TheBudgetLineSaysWhereTheReplicaCountComesFrom()
    {
        var logs = new FakeLogCollector();
        var options = Options.Create(new Route53Options { RequestsPerSecond = 4, Burst = 3 });
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var membership = new ReplicaMembership(1);

        using var budget = new Route53Budget(options, new Route53Metrics(meters), new FakeLogger<Route53Budget>(logs), membership);
        membership.Report(2);

        logs.GetSnapshot().Where(e => e.Id.Id == 3020).Select(e => e.Message).Should().Equal(
            "Route53 budget: 1 replica(s) (local mode: no Leases) share 4 requests/s with burst 3; this replica takes 4 requests/s with burst 3",
            "Route53 budget: 2 replica(s) (counted by Leases) share 4 requests/s with burst 3; this replica takes 2 requests/s with burst 1.5");
    }
}
