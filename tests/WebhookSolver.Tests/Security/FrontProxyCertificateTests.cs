using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Security;

/// <summary>
/// The front-proxy certificate as kube-apiserver's x509 and requestheader authenticators read it: the last CN of the
/// subject in encoded order (Go's pkix.Name), intermediates sent by the client used to reach the CA bundle, and the
/// identity headers read as Go's <c>Header.Get</c> reads them.
/// </summary>
public sealed class FrontProxyCertificateTests(SecureServerFixture fixture) : IClassFixture<SecureServerFixture>
{
    private const string Request = "GET /apis HTTP/1.1\r\nHost: localhost\r\nX-Remote-User: alice-cert\r\nConnection: close\r\n\r\n";

    [Fact]
    public async Task ASubjectWhoseLastCommonNameIsNotAllowedIsRefusedThoughAnEarlierOneIs()
    {
        using var certificate = Issue(fixture.Certificates.FrontProxyCa, Subject(SecureServerFixture.AllowedName, "evil"));
        FirstCommonName(certificate).Should().Be(SecureServerFixture.AllowedName, "the allowed name comes first in the encoding");

        var (status, answer) = await fixture.Factory.SendRawHttp11Async(certificate, Request);

        status.Should().Be(401);
        answer.Should().Contain("\\\"evil\\\"").And.Contain("not one of the requestheader allowed names");
    }

    [Fact]
    public async Task ASubjectWhoseLastCommonNameIsAllowedIsAccepted()
    {
        using var certificate = Issue(fixture.Certificates.FrontProxyCa, Subject("evil", SecureServerFixture.AllowedName));
        FirstCommonName(certificate).Should().Be("evil");

        var (status, _) = await fixture.Factory.SendRawHttp11Async(certificate, Request);

        status.Should().Be(200);
    }

    [Fact]
    public async Task ALeafSignedByAnIntermediateIsAcceptedWhenTheClientSendsTheIntermediate()
    {
        using var intermediate = IssueAuthority(fixture.Certificates.FrontProxyCa, "front-proxy-intermediate");
        using var leaf = Issue(intermediate, Subject(SecureServerFixture.AllowedName));

        (await SendWithChainAsync(leaf, [intermediate])).Should().Be(200, "the intermediate links the leaf to the root-only bundle");
        (await SendWithChainAsync(leaf, [])).Should().Be(401, "without the intermediate no path reaches the bundle");
    }

    [Fact]
    public async Task AnIntermediateFromAnotherCaDoesNotLeadToTheBundle()
    {
        using var intermediate = IssueAuthority(fixture.Certificates.UntrustedCa, "front-proxy-intermediate");
        using var leaf = Issue(intermediate, Subject(SecureServerFixture.AllowedName));

        (await SendWithChainAsync(leaf, [intermediate, fixture.Certificates.UntrustedCa])).Should().Be(401);
    }

    [Fact]
    public async Task ARepeatedUserHeaderCountsOnlyItsFirstValue()
    {
        var (status, _) = await fixture.Factory.SendRawHttp11Async(fixture.FrontProxyClient,
            "GET /apis HTTP/1.1\r\nHost: localhost\r\nX-Remote-User: alice-first\r\nX-Remote-User: mallory\r\nConnection: close\r\n\r\n");

        status.Should().Be(200);
        fixture.Kubernetes.Reviews.Should().Contain(r => r.User == "alice-first").And.NotContain(r => r.User == "mallory");
    }

    [Fact]
    public async Task AnEmptyFirstUserHeaderMeansNoUserEvenWhenALaterOneIsSet()
    {
        var (status, answer) = await fixture.Factory.SendRawHttp11Async(fixture.FrontProxyClient,
            "GET /apis HTTP/1.1\r\nHost: localhost\r\nX-Remote-User: \r\nX-Remote-User: alice-second\r\nConnection: close\r\n\r\n");

        status.Should().Be(401);
        answer.Should().Contain("no user name header");
        fixture.Kubernetes.Reviews.Should().NotContain(r => r.User == "alice-second");
    }

    /// <summary>A subject whose CNs are encoded in the given order (the builder encodes the last added first).</summary>
    private static X500DistinguishedName Subject(params string[] commonNames)
    {
        var builder = new X500DistinguishedNameBuilder();
        foreach (var name in commonNames.Reverse())
        {
            builder.AddCommonName(name);
        }

        return builder.Build();
    }

    private static string FirstCommonName(X509Certificate2 certificate) =>
        certificate.SubjectName.EnumerateRelativeDistinguishedNames(reversed: false).First().GetSingleElementValue()!;

    private static X509Certificate2 Issue(X509Certificate2 issuer, X500DistinguishedName subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(TestCertificates.ClientAuth)], false));
        return Sign(request, issuer, key);
    }

    private static X509Certificate2 IssueAuthority(X509Certificate2 issuer, string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return Sign(request, issuer, key, TimeSpan.FromDays(60));
    }

    private static X509Certificate2 Sign(CertificateRequest request, X509Certificate2 issuer, ECDsa key, TimeSpan? lifetime = null)
    {
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var issued = request.Create(issuer, now.AddHours(-1), now + (lifetime ?? TimeSpan.FromDays(30)), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>One request over TLS presenting <paramref name="leaf"/> followed by <paramref name="chain"/>; returns the status.</summary>
    private async Task<int> SendWithChainAsync(X509Certificate2 leaf, X509Certificate2[] chain)
    {
        var address = fixture.Factory.Address;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) => fixture.Certificates.IsServingCertificate(certificate));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificateContext = SslStreamCertificateContext.Create(leaf, [.. chain], offline: true),
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        });
        await tls.WriteAsync(Encoding.ASCII.GetBytes(Request));
        using var reader = new StreamReader(tls, Encoding.ASCII);
        var answer = await reader.ReadToEndAsync();
        return int.Parse(answer.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
