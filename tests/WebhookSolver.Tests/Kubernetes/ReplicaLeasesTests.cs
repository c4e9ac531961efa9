using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using WebhookSolver.Kubernetes;
using WebhookSolver.Route53;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Kubernetes;

/// <summary>Lease membership against a fake API server with real Lease semantics; expiry on a clock the test moves.</summary>
public sealed class ReplicaLeasesTests
{
    private static readonly Uri NoRoute53 = new("http://127.0.0.1:9/");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly Dictionary<string, string> BudgetLabel = new() { [$"{InProcessReplica.GroupName}/route53-budget"] = "route53" };

    [Fact]
    public async Task EachReplicaHoldsALeaseNamedAfterItsPodTheWayClientGoWritesThem()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var api = await FakeKubernetesApi.StartAsync(time);
        await using var replica = await InProcessReplica.StartAsync("webhook-7d9f-abcde", api, NoRoute53, time: time);

        await Until(() => replica.Membership.Replicas == 1);

        var lease = api.Leases.In(InProcessReplica.Namespace)["webhook-7d9f-abcde"];
        var spec = lease["spec"]!;
        ((string?)spec["holderIdentity"]).Should().Be("webhook-7d9f-abcde");
        ((int?)spec["leaseDurationSeconds"]).Should().Be(2);
        var renewTime = (string)spec["renewTime"]!;
        renewTime.Should().MatchRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$", "renewTime is a MicroTime");
        DateTimeOffset.Parse(renewTime, CultureInfo.InvariantCulture).Should().BeCloseTo(time.GetUtcNow(), TimeSpan.FromMilliseconds(1));
        ((string?)spec["acquireTime"]).Should().NotBeNull();
        ((string?)lease["metadata"]!["labels"]![$"{InProcessReplica.GroupName}/route53-budget"]).Should().Be("route53");
    }

    [Fact]
    public async Task TwoReplicasCountEachOtherAndALaterOneIsCountedWithinOneRenewal()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var first = await InProcessReplica.StartAsync("webhook-a", api, NoRoute53);
        await Until(() => first.Membership.Replicas == 1);

        await using var second = await InProcessReplica.StartAsync("webhook-b", api, NoRoute53);

        await Until(() => first.Membership.Replicas == 2 && second.Membership.Replicas == 2);
        first.Services.GetRequiredService<Route53Budget>().Share.Should().Be(0.5);
    }

    [Fact]
    public async Task ALeaseThatStopsChangingExpiresItsDurationAfterTheReaderLastSawItChange()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var api = await FakeKubernetesApi.StartAsync(time);
        // Left by a pod that was killed: renewed long ago by its own clock, which the reader does not trust.
        api.Leases.Put(InProcessReplica.Namespace, "webhook-killed", "webhook-killed", time.GetUtcNow().AddHours(-1), 15, BudgetLabel);
        await using var replica = await InProcessReplica.StartAsync("webhook-a", api, NoRoute53, time: time);
        await Until(() => replica.Membership.Replicas == 2);

        await Step(replica, time, TimeSpan.FromSeconds(14));
        replica.Membership.Replicas.Should().Be(2, "15 s have not passed since this replica first saw the Lease");

        await Step(replica, time, TimeSpan.FromSeconds(1.5));
        await Step(replica, time, TimeSpan.FromSeconds(0.1));
        replica.Membership.Replicas.Should().Be(1);
    }

    [Fact]
    public async Task LeasesOfAnotherDeploymentAndLeasesGivenUpAreNotCounted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var api = await FakeKubernetesApi.StartAsync(time);
        api.Leases.Put(InProcessReplica.Namespace, "other-solver", "other-solver", time.GetUtcNow(), 15,
            new Dictionary<string, string> { [$"{InProcessReplica.GroupName}/route53-budget"] = "another-solver" });
        api.Leases.Put(InProcessReplica.Namespace, "unlabelled", "unlabelled", time.GetUtcNow(), 15, new Dictionary<string, string>());
        api.Leases.Put(InProcessReplica.Namespace, "released", "", time.GetUtcNow(), 15, BudgetLabel);
        api.Leases.Put("elsewhere", "other-namespace", "other-namespace", time.GetUtcNow(), 15, BudgetLabel);
        await using var replica = await InProcessReplica.StartAsync("webhook-a", api, NoRoute53, time: time);

        for (var i = 0; i < 3; i++)
        {
            await Step(replica, time, TimeSpan.FromSeconds(0.1));
        }

        replica.Membership.Replicas.Should().Be(1);
    }

    [Fact]
    public async Task AWriteThatLostARaceIsReadAgainAndTheLeaseTakenBack()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var replica = await InProcessReplica.StartAsync("webhook-a", api, NoRoute53);
        await Until(() => replica.Membership.Replicas == 1);

        // Another writer changes the Lease: the replica's resourceVersion is stale, its next update gets 409 Conflict.
        api.Leases.Put(InProcessReplica.Namespace, "webhook-a", "someone-else", DateTimeOffset.UtcNow, 15, BudgetLabel);

        await Until(() => (string?)api.Leases.In(InProcessReplica.Namespace)["webhook-a"]["spec"]!["holderIdentity"] == "webhook-a");
        api.Requests.Should().Contain(r => r.Method == "PUT" && r.Path.EndsWith("/leases/webhook-a", StringComparison.Ordinal));
        var spec = api.Leases.In(InProcessReplica.Namespace)["webhook-a"]["spec"]!;
        ((int?)spec["leaseTransitions"]).Should().Be(1, "taking a Lease from another holder is a transition");
        replica.Membership.Replicas.Should().Be(1);
    }

    [Fact]
    public async Task AGracefulShutdownDeletesItsOwnLeaseAndTheOthersTakeItsShareAtOnce()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var staying = await InProcessReplica.StartAsync("webhook-a", api, NoRoute53,
            new Dictionary<string, string?> { ["Leases:Duration"] = "00:01:00", ["Leases:RenewInterval"] = "00:00:00.100" });
        var leaving = await InProcessReplica.StartAsync("webhook-b", api, NoRoute53,
            new Dictionary<string, string?> { ["Leases:Duration"] = "00:01:00", ["Leases:RenewInterval"] = "00:00:00.100" });
        await Until(() => staying.Membership.Replicas == 2);

        await leaving.StopAsync();

        api.Leases.In(InProcessReplica.Namespace).Keys.Should().Equal("webhook-a");
        await Until(() => staying.Membership.Replicas == 1, "long before the other's minute-long Lease could expire");
    }

    [Fact]
    public async Task ForbiddenLeasesKeepTheAssumedShareAndAreLoggedOnce()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Leases.Forbidden = true;
        var logs = new FakeLogCollector();
        await using var replica = await InProcessReplica.StartAsync("webhook-a", api, NoRoute53,
            new Dictionary<string, string?> { ["Route53:AssumedReplicas"] = "3" }, logs: logs);

        await Until(() => api.Requests.Count >= 5);

        replica.Membership.Replicas.Should().BeNull();
        replica.Services.GetRequiredService<Route53Budget>().Share.Should().BeApproximately(1.0 / 3, 1e-9);
        var warnings = logs.GetSnapshot().Where(e => e.Id.Id == 3502).ToList();
        warnings.Should().ContainSingle().Which.Message.Should().Contain("coordination.k8s.io").And.Contain("namespace cert-manager");
    }

    [Fact]
    public async Task AnUnreachableApiKeepsTheLastCountAndEachChangeOfStateIsLoggedOnce()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var logs = new FakeLogCollector();
        await using var other = await InProcessReplica.StartAsync("webhook-b", api, NoRoute53);
        await using var replica = await InProcessReplica.StartAsync("webhook-a", api, NoRoute53, logs: logs);
        await Until(() => replica.Membership.Replicas == 2);

        api.Leases.Unavailable = true;
        await other.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        replica.Membership.Replicas.Should().Be(2, "the last count stands while the API does not answer, although the other's Lease has expired by now");
        replica.Services.GetRequiredService<Route53Budget>().Share.Should().Be(0.5);
        logs.GetSnapshot().Count(e => e.Id.Id == 3503).Should().Be(1);

        api.Leases.Unavailable = false;
        await Until(() => replica.Membership.Replicas == 1);
        logs.GetSnapshot().Count(e => e.Id.Id == 3501).Should().Be(2, "holding the Lease is logged at the start and once the API answers again");
        logs.GetSnapshot().Count(e => e.Id.Id == 3503).Should().Be(1);
    }

    [Fact]
    public async Task WithoutPodIdentityNoLeaseIsTriedAndTheAssumedShareStays()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var logs = new FakeLogCollector();
        await using var replica = await InProcessReplica.StartAsync("webhook-a", api, NoRoute53,
            new Dictionary<string, string?> { ["POD_NAME"] = "" }, logs: logs);

        await Until(() => logs.GetSnapshot().Any(e => e.Id.Id == 3504));
        await Task.Delay(300);

        api.Requests.Should().BeEmpty();
        replica.Services.GetRequiredService<Route53Budget>().Share.Should().Be(0.5, "--route53-assumed-replicas defaults to 2");
    }

    [Fact]
    public async Task LocalModeHoldsNoLeaseAndTakesTheWholeBudget()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var replica =
            await InProcessReplica.StartAsync("webhook-a", api, NoRoute53, new Dictionary<string, string?> { ["Webhook:Local"] = "true" });

        await Task.Delay(300);

        api.Requests.Should().BeEmpty();
        replica.Membership.Replicas.Should().Be(1);
        replica.Services.GetRequiredService<Route53Budget>().Share.Should().Be(1);
    }

    [Fact]
    public async Task TheServerStartsAndServesWhenLeasesAreForbidden()
    {
        using var certificates = new FrontProxyCertificates();
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Leases.Forbidden = true;
        using var factory = new SecureWebhookFactory(certificates, api.Client(), new Dictionary<string, string?>
        {
            ["Authentication:ClientCaFile"] = certificates.FrontProxyCaFile,
            ["POD_NAME"] = "webhook-a",
            ["POD_NAMESPACE"] = InProcessReplica.Namespace,
            ["Leases:RenewInterval"] = "00:00:00.100",
            ["Leases:Duration"] = "00:00:02",
        });
        factory.Start();
        using var client = factory.CreateTlsClient(null);

        await Until(() => api.Requests.Count(r => r.Path.Contains("/leases", StringComparison.Ordinal)) >= 3);

        (await client.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        api.Requests.Should().Contain(r => r.Method == "POST" && r.Path == $"/apis/coordination.k8s.io/v1/namespaces/{InProcessReplica.Namespace}/leases");
        factory.Services.GetRequiredService<Route53Budget>().Share.Should().Be(0.5, "the assumed share stays while Leases are forbidden");
    }

    [Theory]
    [InlineData("POD_NAME", "Webhook_A", "POD_NAME 'Webhook_A' is not a Kubernetes object name")]
    [InlineData("POD_NAMESPACE", "cert.manager", "POD_NAMESPACE 'cert.manager' is not a namespace name")]
    [InlineData("Leases:Duration", "00:00:00.500", "Leases:Duration must be between 1s and 1h")]
    [InlineData("Leases:RenewInterval", "00:00:10", "Leases:RenewInterval must be positive and at most half of Leases:Duration")]
    public void BadLeaseSettingsAreRefusedWithTheFieldNamed(string key, string value, string message)
    {
        var settings = InProcessReplica.FastLeases("webhook-a");
        settings["Leases:Duration"] = "00:00:15";
        settings[key] = value;
        using var services = Route53Harness.BuildServices(NoRoute53, settings, configure: services => services.AddReplicaLeases());

        var read = () => services.GetRequiredService<IOptions<ReplicaLeaseOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should().ContainSingle().Which.Should().StartWith(message);
    }

    private static Task Until(Func<bool> condition, string because = "") => Poll.UntilAsync(condition, Patience, because);

    /// <summary>
    /// Moves the clock by <paramref name="by"/> once the replica waits for its next round, and waits for the round it
    /// starts. A clock moved while a round is still running would pass before that round's timer exists.
    /// </summary>
    private static async Task Step(InProcessReplica replica, FakeTimeProvider time, TimeSpan by)
    {
        await Until(() => replica.Leases.RoundsCompleted > 0, "(the first round)");
        var rounds = replica.Leases.RoundsCompleted;
        time.Advance(by);
        await Until(() => replica.Leases.RoundsCompleted > rounds, $"(a round after moving the clock by {by})");
    }
}
