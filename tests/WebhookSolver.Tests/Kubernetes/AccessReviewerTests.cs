using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WebhookSolver.Kubernetes;
using WebhookSolver.Security;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Kubernetes;

public sealed class AccessReviewerTests : IAsyncLifetime
{
    private static readonly RequestUser Alice = new("alice", "uid-1", ["system:authenticated"], new Dictionary<string, IReadOnlyList<string>>());
    private static readonly AccessAttributes Create = AccessAttributes.ForResource("create", "acme.example.com", "v1alpha1", "route53");

    private readonly ManualClock _clock = new();
    private FakeKubernetesAuthorization _kubernetes = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _kubernetes = await FakeKubernetesAuthorization.StartAsync();
        _kubernetes.Policy = review => (review.User == "alice", "");
        _services = new ServiceCollection().AddSingleton(_kubernetes.CreateClient()).BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _kubernetes.DisposeAsync();
    }

    private AccessReviewer Reviewer(TimeSpan ttl) => new(new KubernetesConnection(_services.GetRequiredService<KubernetesApi>),
        Options.Create(new AccessReviewOptions { CacheTtl = ttl }), _clock, NullLogger<AccessReviewer>.Instance);

    [Fact]
    public async Task AnAnswerIsReusedUntilItsTtlEnds()
    {
        var reviewer = Reviewer(TimeSpan.FromSeconds(10));

        (await reviewer.ReviewAsync(Alice, Create, default)).Outcome.Should().Be(AccessOutcome.Allowed);
        _clock.Advance(TimeSpan.FromSeconds(9));
        (await reviewer.ReviewAsync(Alice, Create, default)).Outcome.Should().Be(AccessOutcome.Allowed);
        _kubernetes.Reviews.Should().HaveCount(1);

        _clock.Advance(TimeSpan.FromSeconds(2));
        (await reviewer.ReviewAsync(Alice, Create, default)).Outcome.Should().Be(AccessOutcome.Allowed);
        _kubernetes.Reviews.Should().HaveCount(2);
    }

    [Fact]
    public async Task TheCacheKeyHoldsTheWholeIdentityAndTheAttributes()
    {
        var reviewer = Reviewer(TimeSpan.FromSeconds(10));
        var aliceInAnotherGroup = Alice with { Groups = ["system:authenticated", "team-a"] };
        var aliceWithExtra = Alice with { Extra = new Dictionary<string, IReadOnlyList<string>> { ["scopes"] = ["dns"] } };

        await reviewer.ReviewAsync(Alice, Create, default);
        await reviewer.ReviewAsync(aliceInAnotherGroup, Create, default);
        await reviewer.ReviewAsync(aliceWithExtra, Create, default);
        await reviewer.ReviewAsync(Alice with { Uid = "uid-2" }, Create, default);
        await reviewer.ReviewAsync(Alice, AccessAttributes.ForPath("get", "/apis"), default);
        (await reviewer.ReviewAsync(Alice with { Name = "bob" }, Create, default)).Outcome.Should().Be(AccessOutcome.Denied);

        _kubernetes.Reviews.Should().HaveCount(6);
        _kubernetes.Reviews[2].Spec["extra"]!.ToJsonString().Should().Be("""{"scopes":["dns"]}""");
        _kubernetes.Reviews[0].Spec["uid"]!.GetValue<string>().Should().Be("uid-1");
    }

    [Fact]
    public async Task ConcurrentIdenticalQuestionsShareOneReview()
    {
        _kubernetes.ReviewDelay = TimeSpan.FromMilliseconds(200);
        var reviewer = Reviewer(TimeSpan.FromSeconds(10));

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => reviewer.ReviewAsync(Alice, Create, default)));

        answers.Should().OnlyContain(a => a.Outcome == AccessOutcome.Allowed);
        _kubernetes.Reviews.Should().HaveCount(1);
    }

    [Fact]
    public async Task WithAZeroTtlEveryRequestIsReviewed()
    {
        var reviewer = Reviewer(TimeSpan.Zero);

        await reviewer.ReviewAsync(Alice, Create, default);
        await reviewer.ReviewAsync(Alice, Create, default);

        _kubernetes.Reviews.Should().HaveCount(2);
    }

    [Fact]
    public async Task AReviewTheApiRefusesNamesTheMissingClusterRole()
    {
        _kubernetes.ReviewStatus = 403;
        var reviewer = Reviewer(TimeSpan.FromSeconds(10));

        var decision = await reviewer.ReviewAsync(Alice, Create, default);

        decision.Outcome.Should().Be(AccessOutcome.ReviewFailed);
        decision.Reason.Should().Contain("system:auth-delegator");
    }

    [Fact]
    public async Task AnUnreachableApiDenies()
    {
        var port = _kubernetes.BaseAddress.Port;
        await _kubernetes.DisposeAsync();
        await using var services = new ServiceCollection()
            .AddSingleton(new KubernetesApi(new k8s.KubernetesClientConfiguration { Host = $"http://127.0.0.1:{port}" }))
            .BuildServiceProvider();
        var reviewer = new AccessReviewer(new KubernetesConnection(services.GetRequiredService<KubernetesApi>),
            Options.Create(new AccessReviewOptions()), _clock, NullLogger<AccessReviewer>.Instance);

        var decision = await reviewer.ReviewAsync(Alice, Create, default);

        decision.Outcome.Should().Be(AccessOutcome.ReviewFailed);
        _kubernetes = await FakeKubernetesAuthorization.StartAsync();
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
