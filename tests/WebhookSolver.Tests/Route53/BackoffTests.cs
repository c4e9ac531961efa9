using WebhookSolver.Route53;

namespace WebhookSolver.Tests.Route53;

/// <summary>The one retry pause: a random part (from the injected source) of a ceiling that doubles per attempt up to the maximum.</summary>
public sealed class BackoffTests
{
    /// <summary>A "random" source that always draws the same number.</summary>
    private sealed class Fixed(double value) : Random
    {
        public override double NextDouble() => value;
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(6, 1000)]
    [InlineData(1000, 1000)]
    public void TheCeilingDoublesPerAttemptUpToTheMaximumAndTheJitterTakesItsShare(int attempt, double ceilingMs)
    {
        var half = new JitterSource(new Fixed(0.5));

        var delay = Backoff.Delay(half, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), attempt);

        delay.TotalMilliseconds.Should().BeApproximately(ceilingMs / 2, 0.001);
    }
}
