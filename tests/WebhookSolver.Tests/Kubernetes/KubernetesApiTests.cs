using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Authentication;
using k8s.Models;
using WebhookSolver.Kubernetes;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Kubernetes;

/// <summary>The server's own Kubernetes client: its wire format, its errors, its credentials and its TLS trust.</summary>
public sealed class KubernetesApiTests
{
    private const string Secret = """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"aws","namespace":"team-a"},"data":{"id":"QUtJQQ=="}}""";

    [Fact]
    public void LeaseTimesAreMicroTimesWithSixFractionalDigitsEvenOnAWholeSecondAndOtherTimesAreWholeSeconds()
    {
        var second = new DateTime(2026, 12, 2, 1, 2, 3, DateTimeKind.Utc);
        var lease = new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "webhook-a", CreationTimestamp = second.AddTicks(1234567) },
            Spec = new V1LeaseSpec { HolderIdentity = "webhook-a", AcquireTime = second, RenewTime = second.AddTicks(10) },
        };

        var json = JsonNode.Parse(JsonSerializer.Serialize(lease, KubernetesApiJsonContext.Info<V1Lease>()))!;

        ((string?)json["spec"]!["acquireTime"]).Should().Be("2026-12-02T01:02:03.000000Z");
        ((string?)json["spec"]!["renewTime"]).Should().Be("2026-12-02T01:02:03.000001Z");
        ((string?)json["metadata"]!["creationTimestamp"]).Should().Be("2026-12-02T01:02:03Z");
        json["metadata"]!.AsObject().Should().NotContainKey("resourceVersion", "unset fields are left out, as the API server's own clients do");
    }

    [Fact]
    public void TimesAreReadInEitherFormat()
    {
        const string wire = """
            {"metadata":{"name":"webhook-a","creationTimestamp":"2026-12-02T01:02:03Z"},
             "spec":{"renewTime":"2026-12-02T01:02:03.123456Z","acquireTime":"2026-12-02T03:02:03.000000+02:00"}}
            """;

        var lease = JsonSerializer.Deserialize(wire, KubernetesApiJsonContext.Info<V1Lease>())!;

        lease.Metadata.CreationTimestamp.Should().Be(new DateTime(2026, 12, 2, 1, 2, 3, DateTimeKind.Utc));
        lease.Spec.RenewTime.Should().Be(new DateTime(2026, 12, 2, 1, 2, 3, DateTimeKind.Utc).AddTicks(1234560));
        lease.Spec.AcquireTime.Should().Be(new DateTime(2026, 12, 2, 1, 2, 3, DateTimeKind.Utc));
        lease.Spec.RenewTime!.Value.Kind.Should().Be(DateTimeKind.Utc);
    }

    [Fact]
    public async Task AnErrorStatusIsThrownWithItsCodeAndWithoutTheBody()
    {
        await using var server = await FakeHttpServer.StartAsync("fake Kubernetes API", _ =>
            KubernetesStatusBody.Failure(403, "Forbidden", "secrets \"aws\" is forbidden: token s3cr3t-echo"));
        using var api = new KubernetesApi(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString() });

        var failure = await FluentActions.Awaiting(() => api.ReadSecretAsync("team-a", "aws", CancellationToken.None))
            .Should().ThrowAsync<KubernetesApiException>();

        failure.Which.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        failure.Which.Message.Should().Be("the Kubernetes API answered 403 to GET /api/v1/namespaces/team-a/secrets/aws");
        failure.Which.Message.Should().NotContain("s3cr3t");
    }

    [Fact]
    public async Task EveryCallAsksTheTokenProviderSoARotatedServiceAccountTokenIsUsed()
    {
        await using var server = await FakeHttpServer.StartAsync("fake Kubernetes API", request =>
            request is { Method: "GET", Path: "/api/v1/namespaces/team-a/secrets/aws" } ? new FakeResponse(200, Secret) : null);
        var tokens = new RotatingTokens();
        using var api = new KubernetesApi(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString(), TokenProvider = tokens });

        var secret = await api.ReadSecretAsync("team-a", "aws", CancellationToken.None);
        await api.ReadSecretAsync("team-a", "aws", CancellationToken.None);

        KubernetesResources.SecretValue(secret, "aws", "id").Should().Be("AKIA");
        server.Requests.Select(request => request.Header("Authorization")).Should().Equal("Bearer token-1", "Bearer token-2");
    }

    [Fact]
    public async Task OnlyTheClusterCertificateAuthorityIsTrusted()
    {
        using var authority = TestCertificates.CreateAuthority("cluster CA");
        using var stranger = TestCertificates.CreateAuthority("another CA");
        using var serving = TestCertificates.CreateLeaf(authority, "kube-apiserver", TestCertificates.ServerAuth);
        await using var server = await FakeHttpServer.StartAsync("fake Kubernetes API", request =>
            request.Path == "/api/v1/namespaces/team-a/secrets/aws" ? new FakeResponse(200, Secret) : null, serving);
        using var trusting = Client(server, authority);
        using var distrusting = Client(server, stranger);

        var secret = await trusting.ReadSecretAsync("team-a", "aws", CancellationToken.None);

        secret.Metadata.Name.Should().Be("aws");
        await FluentActions.Awaiting(() => distrusting.ReadSecretAsync("team-a", "aws", CancellationToken.None))
            .Should().ThrowAsync<HttpRequestException>();
        server.Requests.Should().ContainSingle("the handshake with the wrong CA fails before any request");
    }

    [Fact]
    public async Task ACertificateOfTheClusterCaThatDoesNotNameTheServerIsRefused()
    {
        using var authority = TestCertificates.CreateAuthority("cluster CA");
        using var unnamed = TestCertificates.CreateLeaf(authority, "kube-apiserver", TestCertificates.ServerAuth, san: false);
        await using var server = await FakeHttpServer.StartAsync("fake Kubernetes API", (RecordedRequest _) => (FakeResponse?)null, unnamed);
        using var client = Client(server, authority);

        await FluentActions.Awaiting(() => client.ReadSecretAsync("team-a", "aws", CancellationToken.None))
            .Should().ThrowAsync<HttpRequestException>("a certificate for another name, even from the cluster CA, is not the API server's");
        server.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheKubeconfigsClientCertificateIsPresentedFromInlineDataOrFiles(bool files)
    {
        using var authority = TestCertificates.CreateAuthority("cluster CA");
        using var serving = TestCertificates.CreateLeaf(authority, "kube-apiserver", TestCertificates.ServerAuth);
        using var user = TestCertificates.CreateLeaf(authority, "webhook-user", TestCertificates.ClientAuth);
        using var directory = new WorkingDirectory();
        await using var server = await FakeHttpServer.StartAsync("fake Kubernetes API", (RecordedRequest request) =>
            request.Path == "/api/v1/namespaces/team-a/secrets/aws" ? new FakeResponse(200, Secret) : null, serving, requireClientCertificate: true);
        var configuration = new KubernetesClientConfiguration
        {
            Host = server.BaseAddress.ToString(),
            SslCaCerts = [X509CertificateLoader.LoadCertificate(authority.RawData)],
        };
        var (certificatePem, keyPem) = (TestCertificates.CertificatePem(user), TestCertificates.PrivateKeyPem(user));
        if (files)
        {
            configuration.ClientCertificateFilePath = Path.Combine(directory.Path, "client.crt");
            configuration.ClientKeyFilePath = Path.Combine(directory.Path, "client.key");
            await File.WriteAllTextAsync(configuration.ClientCertificateFilePath, certificatePem);
            await File.WriteAllTextAsync(configuration.ClientKeyFilePath, keyPem);
        }
        else
        {
            configuration.ClientCertificateData = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(certificatePem));
            configuration.ClientCertificateKeyData = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(keyPem));
        }

        using var client = new KubernetesApi(configuration);
        var secret = await client.ReadSecretAsync("team-a", "aws", CancellationToken.None);

        secret.Metadata.Name.Should().Be("aws");
        server.ClientCertificateSubjects.Should().Equal("CN=webhook-user");
    }

    private static KubernetesApi Client(FakeHttpServer server, X509Certificate2 authority) =>
        new(new KubernetesClientConfiguration
        {
            Host = server.BaseAddress.ToString(),
            SslCaCerts = [X509CertificateLoader.LoadCertificate(authority.RawData)],
        });

    private sealed class RotatingTokens : ITokenProvider
    {
        private int _issued;

        public Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new AuthenticationHeaderValue("Bearer", $"token-{Interlocked.Increment(ref _issued)}"));
    }
}
