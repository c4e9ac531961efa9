using Microsoft.Extensions.DependencyInjection;
using WebhookSolver.Credentials;
using WebhookSolver.Kubernetes;

using static WebhookSolver.Tests.Credentials.CredentialTestData;

namespace WebhookSolver.Tests.Credentials;

public class CredentialsExtensionsTests
{
    [Fact]
    public async Task TheRegisteredCredentialSourceKeepsTestReplacements()
    {
        await using var api = await WebhookSolver.Testing.FakeKubernetesApi.StartAsync();
        api.AddSecret(Namespace, "aws", new Dictionary<string, string> { ["id"] = "AKIADI00000000000000", ["secret"] = "di-secret" });
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(api.Client())
            .AddSingleton(new AwsEnvironment("sa-east-1", null, null, null))
            .AddAwsCredentials();
        await using var provider = services.BuildServiceProvider();
        const string config = """{"accessKeyIDSecretRef": {"name": "aws", "key": "id"}, "secretAccessKeySecretRef": {"name": "aws", "key": "secret"}}""";

        var identity = await provider.GetRequiredService<ICredentialSource>()
            .GetAsync(Request(config), CancellationToken.None);

        identity.Credentials.AccessKey.Should().Be("AKIADI00000000000000");
        identity.Region.Should().Be("sa-east-1");
        provider.GetRequiredService<KubernetesApi>().Should().BeSameAs(services.Single(d => d.ServiceType == typeof(KubernetesApi)).ImplementationInstance);
    }
}
