using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using WebhookSolver.Kubernetes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebhookSolver.Challenges;

namespace WebhookSolver.Testing;

/// <summary>
/// The real application as it runs in a cluster — not local mode — on Kestrel over TLS on 127.0.0.1 with a free
/// port, the serving certificate from files, the Kubernetes API replaced by <paramref name="kubernetes"/>, and the
/// solver by a <see cref="RecordingSolver"/>.
/// </summary>
internal sealed class SecureWebhookFactory : WebApplicationFactory<Program>
{
    public const string GroupName = "acme.example.com";
    public const string SolverPath = $"/apis/{GroupName}/v1alpha1/route53";

    private readonly FrontProxyCertificates _certificates;
    private readonly KubernetesApi _kubernetes;

    public SecureWebhookFactory(FrontProxyCertificates certificates, KubernetesApi kubernetes, IReadOnlyDictionary<string, string?>? settings = null)
    {
        _certificates = certificates;
        _kubernetes = kubernetes;
        Settings = new Dictionary<string, string?>
        {
            ["Webhook:SecurePort"] = "0",
            ["Webhook:BindAddress"] = "127.0.0.1",
            ["Webhook:TlsCertFile"] = certificates.ServingCertFile,
            ["Webhook:TlsPrivateKeyFile"] = certificates.ServingKeyFile,
            ["Webhook:GroupName"] = GroupName,
            ["Metrics:Port"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            Settings[key] = value;
        }

        UseKestrel();
    }

    public Dictionary<string, string?> Settings { get; }

    public RecordingSolver Solver { get; } = new();

    /// <summary>https://127.0.0.1:port of the running server.</summary>
    public Uri Address { get; private set; } = null!;

    public Uri Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        // A start-up check that fails ends Program with an exit code, which the factory does not surface: no address then.
        Address = new Uri(addresses.SingleOrDefault(a => a.StartsWith("https://", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("the webhook did not start listening; see WebhookHost's start-up errors"));
        return Address;
    }

    /// <summary>A client that trusts the test's serving certificate and presents <paramref name="clientCertificate"/> (or none).</summary>
    public HttpClient CreateTlsClient(X509Certificate2? clientCertificate, Version? version = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => _certificates.IsServingCertificate(certificate),
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            },
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        };
        return new HttpClient(handler)
        {
            BaseAddress = Address,
            DefaultRequestVersion = version ?? System.Net.HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>Sends a hand-written HTTP/1.1 request (ending with Connection: close) over TLS; returns the status and the raw answer.</summary>
    public async Task<(int Status, string Answer)> SendRawHttp11Async(X509Certificate2? clientCertificate, string request)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(Address.Host, Address.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) => _certificates.IsServingCertificate(certificate));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        });
        await tls.WriteAsync(System.Text.Encoding.UTF8.GetBytes(request));
        using var reader = new StreamReader(tls, System.Text.Encoding.UTF8);
        var answer = await reader.ReadToEndAsync();
        var status = int.Parse(answer.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, answer);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<KubernetesApi>();
            services.AddSingleton(_kubernetes);
            services.RemoveAll<ISolver>();
            services.AddSingleton<ISolver>(Solver);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _kubernetes.Dispose();
        }
    }
}
