using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Hosting;

/// <summary>The real Kestrel on loopback: HTTPS only, and a serving certificate that follows its Secret.</summary>
public sealed class TlsServingTests : IDisposable
{
    private readonly X509Certificate2 _authority = TestCertificates.CreateAuthority("serving-ca");
    private readonly SecretDirectory _secret = new();
    private readonly WebhookFactory _factory = new();
    private int _port;

    public TlsServingTests()
    {
        _factory.Settings["Webhook:TlsCertFile"] = Path.Combine(_secret.Root, "tls.crt");
        _factory.Settings["Webhook:TlsPrivateKeyFile"] = Path.Combine(_secret.Root, "tls.key");
        _factory.Settings["Webhook:CertificateReloadInterval"] = "00:00:00.100";
    }

    public void Dispose()
    {
        _factory.Dispose();
        _secret.Dispose();
    }

    private void Start() => _port = _factory.StartOnLoopback().Port;

    private X509Certificate2 NewServingCertificate(string name) =>
        TestCertificates.CreateLeaf(_authority, name, TestCertificates.ServerAuth);

    [Fact]
    public async Task ServesHttpsWithHttp2AndTls12OrNewer()
    {
        _secret.Publish(NewServingCertificate("first"));
        Start();

        var handshake = await HandshakeAsync(http2: true);

        handshake.Protocol.Should().BeOneOf(SslProtocols.Tls12, SslProtocols.Tls13);
        handshake.Alpn.Should().Be("h2");
        using var client = Client();
        using var response = await client.GetAsync(new Uri($"https://127.0.0.1:{_port}/healthz"));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task PlainHttpIsNotServed()
    {
        _secret.Publish(NewServingCertificate("first"));
        Start();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var plain = async () => await client.GetStringAsync(new Uri($"http://127.0.0.1:{_port}/healthz"));

        await plain.Should().ThrowAsync<HttpRequestException>();
    }

    [Fact]
    public async Task ANewPairSwappedInLikeTheKubeletDoesIsServedWithoutARestart()
    {
        var first = NewServingCertificate("first");
        var second = NewServingCertificate("second");
        _secret.Publish(first);
        Start();
        (await ServedThumbprintAsync()).Should().Be(first.Thumbprint);

        _secret.Publish(second);

        (await WaitForThumbprintAsync(second.Thumbprint)).Should().Be(second.Thumbprint);
    }

    [Fact]
    public async Task APairThatDoesNotLoadKeepsThePreviousPairServing()
    {
        var first = NewServingCertificate("first");
        var stranger = NewServingCertificate("stranger");
        var third = NewServingCertificate("third");
        _secret.Publish(first);
        Start();

        // Mismatched key, then a half-written certificate: both must be ignored.
        _secret.Publish(TestCertificates.CertificatePem(NewServingCertificate("mismatched")), TestCertificates.PrivateKeyPem(stranger));
        await Task.Delay(400);
        (await ServedThumbprintAsync()).Should().Be(first.Thumbprint);

        var pem = TestCertificates.CertificatePem(third);
        _secret.Publish(pem[..(pem.Length / 2)], TestCertificates.PrivateKeyPem(third));
        await Task.Delay(400);
        (await ServedThumbprintAsync()).Should().Be(first.Thumbprint);
        using (var client = Client())
        using (var ready = await client.GetAsync(new Uri($"https://127.0.0.1:{_port}/readyz")))
        {
            ready.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        _secret.Publish(third);
        (await WaitForThumbprintAsync(third.Thumbprint)).Should().Be(third.Thumbprint);
    }

    [Fact]
    public async Task ErrorPathsAreKubernetesStatusesOverRealKestrelToo()
    {
        _secret.Publish(NewServingCertificate("first"));
        Start();
        using var client = Client();
        var solver = new Uri($"https://127.0.0.1:{_port}/apis/acme.example.com/v1alpha1/route53");
        var big = "{\"request\":{\"key\":\"" + new string('k', 70 * 1024) + "\"}}";

        using var notFound = await client.GetAsync(new Uri($"https://127.0.0.1:{_port}/apis/other.example.com/v1alpha1"));
        using var wrongVerb = await client.DeleteAsync(solver);
        using var aggregatedOnly = new HttpRequestMessage(HttpMethod.Get, new Uri($"https://127.0.0.1:{_port}/apis"));
        aggregatedOnly.Headers.TryAddWithoutValidation("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        using var notAcceptable = await client.SendAsync(aggregatedOnly);
        using var sized = new StringContent(big, System.Text.Encoding.UTF8, "application/json");
        using var tooLarge = await client.PostAsync(solver, sized);
        using var chunked = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(big)));
        using var tooLargeChunked = await client.PostAsync(solver, chunked);

        foreach (var (response, code) in new[] { (notFound, 404), (wrongVerb, 405), (notAcceptable, 406), (tooLarge, 413), (tooLargeChunked, 413) })
        {
            ((int)response.StatusCode).Should().Be(code);
            (await response.Content.ReadAsStringAsync()).Should().Contain("\"kind\":\"Status\"").And.Contain($"\"code\":{code}");
        }

        _factory.Solver.Calls.Should().BeEmpty();
    }

    private async Task<string?> WaitForThumbprintAsync(string expected)
    {
        string? served = null;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            served = await ServedThumbprintAsync();
            if (served == expected)
            {
                break;
            }

            await Task.Delay(100);
        }

        return served;
    }

    private async Task<string?> ServedThumbprintAsync()
    {
        var handshake = await HandshakeAsync(http2: false);
        return handshake.Thumbprint;
    }

    private async Task<(SslProtocols Protocol, string Alpn, string? Thumbprint)> HandshakeAsync(bool http2)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _port);
        await using var tls = new SslStream(tcp.GetStream());
        string? thumbprint = null;
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = http2 ? [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11] : [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                // Which certificate is served is the subject here; its issuer is checked too.
                using var served = certificate is null ? null : new X509Certificate2(certificate);
                thumbprint = served?.Thumbprint;
                return served?.Issuer == _authority.Subject;
            },
        });
        return (tls.SslProtocol, tls.NegotiatedApplicationProtocol.ToString(), thumbprint);
    }

    private HttpClient Client()
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && new X509Certificate2(certificate).Issuer == _authority.Subject },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

}

/// <summary>
/// A Secret volume as the kubelet writes it: files in a timestamped directory, a <c>..data</c> symlink to it,
/// and <c>tls.crt</c> / <c>tls.key</c> symlinks through <c>..data</c>; an update swaps <c>..data</c> atomically.
/// </summary>
public sealed class SecretDirectory : IDisposable
{
    private int _generation;

    public SecretDirectory()
    {
        Root = Directory.CreateTempSubdirectory("secret-").FullName;
    }

    public string Root { get; }

    public void Publish(X509Certificate2 certificate) =>
        Publish(TestCertificates.CertificatePem(certificate), TestCertificates.PrivateKeyPem(certificate));

    public void Publish(string certificatePem, string keyPem)
    {
        var generation = Path.Combine(Root, $"..2026_11_29_{++_generation:D4}");
        Directory.CreateDirectory(generation);
        File.WriteAllText(Path.Combine(generation, "tls.crt"), certificatePem);
        File.WriteAllText(Path.Combine(generation, "tls.key"), keyPem);

        var staged = Path.Combine(Root, "..data_tmp");
        File.CreateSymbolicLink(staged, Path.GetFileName(generation));
        // rename(2) replaces the link atomically; File.Move would follow it to the directory.
        if (Rename(staged, Path.Combine(Root, "..data")) != 0)
        {
            throw new IOException($"rename failed: {Marshal.GetLastPInvokeError()}");
        }

        foreach (var name in new[] { "tls.crt", "tls.key" })
        {
            var link = Path.Combine(Root, name);
            if (!File.Exists(link) && new FileInfo(link).LinkTarget is null)
            {
                File.CreateSymbolicLink(link, Path.Combine("..data", name));
            }
        }
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
}
