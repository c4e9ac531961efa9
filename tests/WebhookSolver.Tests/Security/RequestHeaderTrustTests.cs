using System.Net;
using Microsoft.Extensions.DependencyInjection;
using WebhookSolver.Hosting;
using WebhookSolver.Kubernetes;
using WebhookSolver.Security;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Security;

/// <summary>Where the front-proxy trust comes from, how it follows a rotated CA, and that the server refuses to start without it.</summary>
public sealed class RequestHeaderTrustTests : IAsyncLifetime, IDisposable
{
    private readonly FrontProxyCertificates _certificates = new();
    private FakeKubernetesAuthorization _kubernetes = null!;

    public async Task InitializeAsync()
    {
        _kubernetes = await FakeKubernetesAuthorization.StartAsync();
        _kubernetes.Policy = SecureServerFixture.AliceMayUseTheSolver;
    }

    public async Task DisposeAsync()
    {
        await _kubernetes.DisposeAsync();
    }

    public void Dispose() => _certificates.Dispose();

    private SecureWebhookFactory Factory(Dictionary<string, string?>? settings = null) =>
        new(_certificates, _kubernetes.CreateClient(), settings);

    private static async Task<HttpStatusCode> DiscoveryAsAliceAsync(SecureWebhookFactory factory,
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        using var client = factory.CreateTlsClient(certificate);
        using var request = SecureServerFixture.Request(HttpMethod.Get, "/apis", "alice");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task FlagsGiveTheTrustWithoutReadingTheConfigMap()
    {
        using var factory = Factory(new()
        {
            ["Authentication:ClientCaFile"] = _certificates.FrontProxyCaFile,
            ["Authentication:AllowedNames"] = "aggregator, front-proxy-client",
            ["Authentication:UsernameHeaders"] = "X-Proxy-User",
        });
        factory.Start();

        using var client = factory.CreateTlsClient(_certificates.Issue(_certificates.FrontProxyCa, "aggregator"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/apis");
        request.Headers.Add("X-Proxy-User", "alice");
        (await client.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK);

        (await DiscoveryAsAliceAsync(factory, _certificates.Issue(_certificates.FrontProxyCa, "someone-else"))).Should().Be(HttpStatusCode.Unauthorized);
        _kubernetes.ConfigMapReads.Should().Be(0);
    }

    [Fact]
    public async Task FlagsWinOverTheConfigMapsValues()
    {
        _kubernetes.ConfigMapData =
            FakeKubernetesAuthorization.AuthenticationConfigMap(FrontProxyCertificates.Pem(_certificates.FrontProxyCa), "front-proxy-client");
        using var factory = Factory(new() { ["Authentication:AllowedNames"] = "aggregator" });
        factory.Start();

        (await DiscoveryAsAliceAsync(factory, _certificates.Issue(_certificates.FrontProxyCa, "aggregator"))).Should().Be(HttpStatusCode.OK);
        (await DiscoveryAsAliceAsync(factory, _certificates.Issue(_certificates.FrontProxyCa, "front-proxy-client"))).Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnEmptyAllowedNamesListAcceptsAnyCertificateFromTheFrontProxyCa()
    {
        _kubernetes.ConfigMapData = FakeKubernetesAuthorization.AuthenticationConfigMap(FrontProxyCertificates.Pem(_certificates.FrontProxyCa));
        using var factory = Factory();
        factory.Start();

        (await DiscoveryAsAliceAsync(factory, _certificates.Issue(_certificates.FrontProxyCa, "any-name"))).Should().Be(HttpStatusCode.OK);
        (await DiscoveryAsAliceAsync(factory, _certificates.Issue(_certificates.UntrustedCa, "any-name"))).Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ARotatedCaInTheConfigMapIsPickedUpAndAFailedReadKeepsTheTrustInForce()
    {
        var rotated = _certificates.CreateCa("front-proxy-ca-2");
        _kubernetes.ConfigMapData =
            FakeKubernetesAuthorization.AuthenticationConfigMap(FrontProxyCertificates.Pem(_certificates.FrontProxyCa), "front-proxy-client");
        using var factory = Factory();
        factory.Start();
        var trust = factory.Services.GetRequiredService<RequestHeaderTrust>();
        var oldClient = _certificates.Issue(_certificates.FrontProxyCa, "front-proxy-client");
        var newClient = _certificates.Issue(rotated, "front-proxy-client");
        (await DiscoveryAsAliceAsync(factory, newClient)).Should().Be(HttpStatusCode.Unauthorized);

        _kubernetes.ConfigMapData = FakeKubernetesAuthorization.AuthenticationConfigMap(FrontProxyCertificates.Pem(rotated), "front-proxy-client");
        (await trust.RefreshAsync(CancellationToken.None)).Should().BeTrue();
        (await DiscoveryAsAliceAsync(factory, newClient)).Should().Be(HttpStatusCode.OK);
        (await DiscoveryAsAliceAsync(factory, oldClient)).Should().Be(HttpStatusCode.Unauthorized);

        _kubernetes.ConfigMapStatus = 403;
        (await trust.RefreshAsync(CancellationToken.None)).Should().BeFalse();
        (await DiscoveryAsAliceAsync(factory, newClient)).Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ARotatedCaFileIsPickedUp()
    {
        var file = _certificates.WriteCaFile("rotating-ca.crt", _certificates.FrontProxyCa);
        using var factory = Factory(new() { ["Authentication:ClientCaFile"] = file });
        factory.Start();
        var rotated = _certificates.CreateCa("front-proxy-ca-2");
        var newClient = _certificates.Issue(rotated, "front-proxy-client");

        _certificates.WriteCaFile("rotating-ca.crt", _certificates.FrontProxyCa, rotated);
        (await factory.Services.GetRequiredService<RequestHeaderTrust>().RefreshAsync(CancellationToken.None)).Should().BeTrue();

        (await DiscoveryAsAliceAsync(factory, newClient)).Should().Be(HttpStatusCode.OK);
    }

    public static TheoryData<string, string> MissingTrust() => new()
    {
        { "forbidden", "--role=extension-apiserver-authentication-reader" },
        { "missing", "does not exist" },
        { "no requestheader CA", "has no requestheader-client-ca-file" },
        { "not PEM", "holds no PEM certificate" },
        { "unreadable file", "--requestheader-client-ca-file" },
    };

    [Theory]
    [MemberData(nameof(MissingTrust))]
    public async Task WithoutTrustTheServerExitsNonZeroAndSaysWhatFixesIt(string situation, string hint)
    {
        var flags = new List<string>();
        switch (situation)
        {
            case "forbidden":
                _kubernetes.ConfigMapStatus = 403;
                break;
            case "missing":
                _kubernetes.ConfigMapData = null;
                break;
            case "no requestheader CA":
                _kubernetes.ConfigMapData = new() { ["client-ca-file"] = FrontProxyCertificates.Pem(_certificates.FrontProxyCa) };
                break;
            case "not PEM":
                _kubernetes.ConfigMapData = FakeKubernetesAuthorization.AuthenticationConfigMap("not a certificate");
                break;
            default:
                flags.Add($"--requestheader-client-ca-file={Path.Combine(_certificates.Directory, "no-such-ca.crt")}");
                break;
        }

        var (exitCode, errors) = await RunHostAsync(flags);

        exitCode.Should().Be(WebhookHost.StartupFailed);
        errors.Should().Contain(hint).And.Contain("--requestheader-client-ca-file");
        errors.Should().NotContain("BEGIN CERTIFICATE");
    }

    [Fact]
    public async Task TheRbacFixIsSpelledOutWhenTheConfigMapIsForbidden()
    {
        _kubernetes.ConfigMapStatus = 403;

        var (_, errors) = await RunHostAsync([]);

        errors.Should().Contain("kubectl create rolebinding -n kube-system <name> --role=extension-apiserver-authentication-reader " +
            "--serviceaccount=<namespace>:<service account>");
    }

    [Fact]
    public void ThroughTheTestFactoryAServerWithoutTrustNeverListens()
    {
        _kubernetes.ConfigMapStatus = 403;
        using var factory = Factory();

        var start = () => factory.Start();

        start.Should().Throw<InvalidOperationException>().WithMessage("*did not start listening*");
        _kubernetes.ConfigMapReads.Should().Be(1);
    }

    /// <summary>Runs the host as Program does (minus the solver); returns its exit code and what it wrote to stderr.</summary>
    private async Task<(int ExitCode, string Errors)> RunHostAsync(IEnumerable<string> flags)
    {
        using var errors = new StringWriter();
        var exitCode = await WebhookHost.RunAsync(
            ["--secure-port=0", "--bind-address=127.0.0.1", "--group-name=acme.example.com",
             $"--tls-cert-file={_certificates.ServingCertFile}", $"--tls-private-key-file={_certificates.ServingKeyFile}", .. flags],
            builder =>
            {
                builder.AddWebhookHosting();
                builder.Services.AddSingleton(_kubernetes.CreateClient());
                builder.Services.AddWebhookSecurity();
            },
            app => app.UseWebhookSecurity(),
            errors);
        return (exitCode, errors.ToString());
    }
}
