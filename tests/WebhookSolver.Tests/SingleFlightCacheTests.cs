using Microsoft.Extensions.Time.Testing;

namespace WebhookSolver.Tests;

/// <summary>The one single-flight cache: shared fetches, kept until the value's time, failures never kept.</summary>
public sealed class SingleFlightCacheTests
{
    [Fact]
    public async Task ConcurrentCallersShareOneFetchAndLaterCallersReuseItUntilItsTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var cache = new SingleFlightCache<string, int>(time);
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fetches = 0;
        Task<int> Fetch(CancellationToken _)
        {
            Interlocked.Increment(ref fetches);
            return release.Task;
        }

        var callers = Enumerable.Range(0, 10).Select(_ => cache.GetAsync("k", Fetch, _ => time.GetUtcNow().AddMinutes(1), CancellationToken.None)).ToList();
        release.SetResult(42);
        var results = await Task.WhenAll(callers);

        fetches.Should().Be(1);
        results.Should().OnlyContain(r => r.Value == 42);
        results.Count(r => !r.Shared).Should().Be(1, "one caller made the fetch, the others shared it");
        (await cache.GetAsync("k", Fetch, _ => time.GetUtcNow().AddMinutes(1), CancellationToken.None)).Shared.Should().BeTrue();

        time.Advance(TimeSpan.FromMinutes(2));
        release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        release.SetResult(7);
        (await cache.GetAsync("k", Fetch, _ => time.GetUtcNow().AddMinutes(1), CancellationToken.None)).Value.Should().Be(7);
        fetches.Should().Be(2, "an expired value is fetched again");
    }

    [Fact]
    public async Task AFailureIsNotKeptAndAPastTimeServesOnlyTheCallersWaiting()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var cache = new SingleFlightCache<string, int>(time, waitersShareFailure: _ => true);
        var fetches = 0;

        var failing = () => cache.GetAsync("k", _ => { Interlocked.Increment(ref fetches); throw new InvalidOperationException("down"); },
            _ => DateTimeOffset.MaxValue, CancellationToken.None);
        await failing.Should().ThrowAsync<InvalidOperationException>();
        (await cache.GetAsync("k", _ => Task.FromResult(1), _ => DateTimeOffset.MinValue, CancellationToken.None)).Value.Should().Be(1);
        (await cache.GetAsync("k", _ => Task.FromResult(2), _ => DateTimeOffset.MinValue, CancellationToken.None)).Value.Should().Be(2,
            "a value kept until a past time is not kept");

        fetches.Should().Be(1);
    }
}
