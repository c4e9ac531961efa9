using k8s;
using WebhookSolver.Challenges;
using WebhookSolver.Kubernetes;
using WebhookSolver.Tests.Credentials;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Kubernetes;

public class KubernetesResourcesTests
{
    private static readonly string[] StsAudience = ["sts.amazonaws.com"];

    [Fact]
    public async Task ASecretValueIsDecodedAndTrimmed()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.AddSecret("team-a", "aws", new Dictionary<string, string> { ["secret"] = "  value with spaces inside \r\n" });

        var value = await new KubernetesResources(new KubernetesConnection(api.Client()))
            .ReadSecretValueAsync("team-a", "aws", "secret", CancellationToken.None);

        value.Should().Be("value with spaces inside");
    }

    [Fact]
    public async Task EachKindOfFailureHasItsOwnActionableMessage()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.AddSecret("team-a", "aws", new Dictionary<string, string> { ["id"] = "AKIAEXAMPLE000000000", ["blank"] = "  " });
        api.AddSecret("team-a", "locked", new Dictionary<string, string> { ["id"] = "x" });
        api.Forbid("get", "secrets", "team-a", "locked");
        var resources = new KubernetesResources(new KubernetesConnection(api.Client()));
        var down = new KubernetesResources(new KubernetesConnection(
            new KubernetesApi(new KubernetesClientConfiguration { Host = ChainHarness.ClosedPort().ToString() })));

        var messages = new[]
        {
            await MessageOf(() => resources.ReadSecretValueAsync("team-a", "missing", "id", CancellationToken.None)),
            await MessageOf(() => resources.ReadSecretValueAsync("team-a", "aws", "secret", CancellationToken.None)),
            await MessageOf(() => resources.ReadSecretValueAsync("team-a", "aws", "blank", CancellationToken.None)),
            await MessageOf(() => resources.ReadSecretValueAsync("team-a", "locked", "id", CancellationToken.None)),
            await MessageOf(() => down.ReadSecretValueAsync("team-a", "aws", "id", CancellationToken.None)),
        };

        messages[0].Should().StartWith("Secret \"missing\" in namespace \"team-a\" not found: create it there");
        messages[1].Should().Be("no data found in Secret \"aws\" at Key \"secret\"");
        messages[2].Should().Be("no data found in Secret \"aws\" at Key \"blank\"");
        messages[3].Should().StartWith("the webhook is not allowed to get Secret \"locked\" in namespace \"team-a\"")
            .And.Contain("\"get\" on secrets").And.Contain("Role and RoleBinding in namespace \"team-a\"");
        messages[4].Should().StartWith("cannot reach the Kubernetes API to get Secret \"aws\" in namespace \"team-a\"")
            .And.Contain("check that the API server is up");
    }

    [Fact]
    public async Task AServiceAccountTokenIsRequestedWithAudiencesAndLifetime()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.AddServiceAccount("team-a", "dns", "issued-token");

        var token = await new KubernetesResources(new KubernetesConnection(api.Client()))
            .CreateServiceAccountTokenAsync("team-a", "dns", StsAudience, 600, CancellationToken.None);

        token.Should().Be("issued-token");
        api.TokenRequests.Should().Equal(new TokenRequestCall("team-a", "dns", StsAudience, 600)
            with { Audiences = api.TokenRequests.Single().Audiences });
        api.TokenRequests.Single().Audiences.Should().Equal(StsAudience);
        api.Requests.Single().Path.Should().Be("/api/v1/namespaces/team-a/serviceaccounts/dns/token");
    }

    [Fact]
    public async Task TokenRequestFailuresSayWhatToFix()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.AddServiceAccount("team-a", "locked", "t");
        api.Forbid("create", "serviceaccounts/token", "team-a", "locked");
        var resources = new KubernetesResources(new KubernetesConnection(api.Client()));

        var missing = await MessageOf(() => resources.CreateServiceAccountTokenAsync("team-a", "nobody", StsAudience, 600, CancellationToken.None));
        var forbidden = await MessageOf(() => resources.CreateServiceAccountTokenAsync("team-a", "locked", StsAudience, 600, CancellationToken.None));

        missing.Should().Be("ServiceAccount \"nobody\" in namespace \"team-a\" not found: create it there, or fix auth.kubernetes.serviceAccountRef.name");
        forbidden.Should().Contain("not allowed to create a token for ServiceAccount \"locked\" in namespace \"team-a\"")
            .And.Contain("\"create\" on serviceaccounts/token (resourceNames [\"locked\"])");
    }

    [Fact]
    public async Task AChallengeWithoutANamespaceReadsNothing()
    {
        await using var api = await FakeKubernetesApi.StartAsync();

        var message = await MessageOf(() => new KubernetesResources(new KubernetesConnection(api.Client())).ReadSecretAsync("", "aws", CancellationToken.None));

        message.Should().Contain("the challenge has no resourceNamespace");
        api.Requests.Should().BeEmpty();
    }

    private static async Task<string> MessageOf<T>(Func<Task<T>> action)
    {
        var thrown = await action.Should().ThrowAsync<SolverException>();
        return thrown.Which.Message;
    }
}
