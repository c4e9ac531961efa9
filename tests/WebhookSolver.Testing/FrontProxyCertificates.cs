using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WebhookSolver.Testing;

/// <summary>
/// Certificates made in the test: the cluster's front-proxy CA, an unrelated CA, client certificates signed by
/// either (valid, expired, wrong usage, any CN), and a serving certificate for localhost written to temp files.
/// </summary>
internal sealed class FrontProxyCertificates : IDisposable
{
    public const string ClientAuth = TestCertificates.ClientAuth;
    public const string ServerAuth = TestCertificates.ServerAuth;

    private readonly List<X509Certificate2> _made = [];

    public FrontProxyCertificates()
    {
        FrontProxyCa = CreateCa("front-proxy-ca");
        UntrustedCa = CreateCa("front-proxy-ca");
        Directory = System.IO.Directory.CreateTempSubdirectory("webhook-security-").FullName;
        ServingCa = CreateCa("serving-ca");
        var serving = Issue(ServingCa, "localhost", ServerAuth, san: true);
        ServingCertFile = Path.Combine(Directory, "tls.crt");
        ServingKeyFile = Path.Combine(Directory, "tls.key");
        File.WriteAllText(ServingCertFile, serving.ExportCertificatePem());
        File.WriteAllText(ServingKeyFile, serving.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        FrontProxyCaFile = WriteCaFile("front-proxy-ca.crt", FrontProxyCa);
    }

    /// <summary>Signs the aggregator's client certificate (kube-apiserver --requestheader-client-ca-file).</summary>
    public X509Certificate2 FrontProxyCa { get; }

    /// <summary>Another CA with the same subject name: only the key decides.</summary>
    public X509Certificate2 UntrustedCa { get; }

    /// <summary>Signs the webhook's serving certificate; test clients trust only it.</summary>
    public X509Certificate2 ServingCa { get; }

    public string Directory { get; }

    public string ServingCertFile { get; }

    public string ServingKeyFile { get; }

    public string FrontProxyCaFile { get; }

    /// <summary>Server certificate validation for test clients: the serving certificate must chain to <see cref="ServingCa"/>.</summary>
    public bool IsServingCertificate(X509Certificate? certificate)
    {
        if (certificate is not X509Certificate2 served)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ServingCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(served);
    }

    public static string Pem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    public string WriteCaFile(string name, params X509Certificate2[] cas)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, string.Concat(cas.Select(ca => ca.ExportCertificatePem() + "\n")));
        return path;
    }

    public X509Certificate2 CreateCa(string commonName) => Keep(TestCertificates.CreateAuthority(commonName));

    /// <summary>A certificate signed by <paramref name="issuer"/>; <paramref name="usage"/> null leaves out the extended key usage.</summary>
    public X509Certificate2 Issue(X509Certificate2 issuer, string commonName, string? usage = ClientAuth,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, bool san = false) =>
        Keep(TestCertificates.CreateLeaf(issuer, commonName, usage, notBefore, notAfter, san));

    private X509Certificate2 Keep(X509Certificate2 certificate)
    {
        _made.Add(certificate);
        return certificate;
    }

    public void Dispose()
    {
        foreach (var certificate in _made)
        {
            certificate.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
