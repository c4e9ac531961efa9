using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace WebhookSolver.Hosting;

/// <summary>
/// The TLS serving certificate. Loaded from the PEM pair of a mounted Secret and re-read on a timer, which
/// also catches the kubelet's atomic symlink swap (file watchers miss it); a pair that does not load —
/// half-written, mismatched — is logged and the previous pair keeps serving. In local mode without files,
/// a self-signed certificate for localhost is made in memory.
/// </summary>
internal sealed partial class ServingCertificate : BackgroundService
{
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ServingCertificate> _logger;
    private X509Certificate2? _current;
    private byte[] _lastSeen = [];
    private string _lastProblem = "the serving certificate has not been read yet";

    public ServingCertificate(IOptions<WebhookOptions> options, TimeProvider time, ILogger<ServingCertificate> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        if (HasFiles)
        {
            Reload();
        }
        else if (_options.Local)
        {
            _current = CreateSelfSigned(_time.GetUtcNow());
            LogSelfSigned(_current.Thumbprint);
        }
    }

    /// <summary>The pair in force, or null while none has loaded (readiness is false until then).</summary>
    public X509Certificate2? Current => Volatile.Read(ref _current);

    private bool HasFiles => !string.IsNullOrWhiteSpace(_options.TlsCertFile) && !string.IsNullOrWhiteSpace(_options.TlsPrivateKeyFile);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!HasFiles)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.CertificateReloadInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            Reload();
        }
    }

    /// <summary>
    /// A pair that never loaded is a start-up failure: without it every TLS handshake fails and <c>/readyz</c> cannot
    /// say why, so the process ends with one line naming the file and the problem.
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (HasFiles && Current is null)
        {
            throw new WebhookStartupException($"cannot serve TLS: {_lastProblem}");
        }

        return base.StartAsync(cancellationToken);
    }

    /// <summary>Reads both files and swaps in the pair when it changed and loads; returns whether it swapped.</summary>
    public bool Reload()
    {
        string certPem, keyPem;
        try
        {
            certPem = Read(_options.TlsCertFile!, "--tls-cert-file");
            keyPem = Read(_options.TlsPrivateKeyFile!, "--tls-private-key-file");
        }
        catch (UnreadableFileException e)
        {
            _lastProblem = e.Message;
            LogUnreadable(_options.TlsCertFile!, e.Message);
            return false;
        }

        var fingerprint = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(certPem + "\n" + keyPem));
        if (fingerprint.AsSpan().SequenceEqual(_lastSeen))
        {
            return false;
        }

        _lastSeen = fingerprint;
        try
        {
            var loaded = X509Certificate2.CreateFromPem(certPem, keyPem);
            // The previous pair is not disposed: a handshake in flight may still hold it.
            Volatile.Write(ref _current, loaded);
            LogLoaded(loaded.Subject, loaded.NotAfter, loaded.Thumbprint);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // Never log the key material itself: only which file and why.
            _lastProblem = Diagnose(certPem, keyPem);
            LogRejected(_options.TlsCertFile!, _options.TlsPrivateKeyFile!, _lastProblem);
            return false;
        }
    }

    private sealed class UnreadableFileException(string message) : Exception(message);

    private static string Read(string path, string flag)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UnreadableFileException($"{flag} {path} does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnreadableFileException($"{flag} {path} cannot be read ({e.GetType().Name})");
        }
    }

    /// <summary>Which half of a pair that did not load is at fault.</summary>
    private string Diagnose(string certPem, string keyPem)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certPem);
        }
        catch (CryptographicException)
        {
            return $"--tls-cert-file {_options.TlsCertFile} holds no PEM certificate";
        }

        using (certificate)
        {
            if (!KeyLoads(keyPem))
            {
                return $"--tls-private-key-file {_options.TlsPrivateKeyFile} holds no PEM private key (PKCS#8, RSA or EC)";
            }

            return $"the private key in --tls-private-key-file {_options.TlsPrivateKeyFile} does not belong to the certificate " +
                $"in --tls-cert-file {_options.TlsCertFile}";
        }
    }

    private static bool KeyLoads(string keyPem)
    {
        foreach (var create in new Func<AsymmetricAlgorithm>[] { RSA.Create, ECDsa.Create })
        {
            using var key = create();
            try
            {
                key.ImportFromPem(keyPem);
                return true;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
            }
        }

        return false;
    }

    private static X509Certificate2 CreateSelfSigned(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Serving certificate loaded: {Subject}, valid until {NotAfter:u}, thumbprint {Thumbprint}")]
    private partial void LogLoaded(string subject, DateTime notAfter, string thumbprint);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Serving certificate pair {CertFile} / {KeyFile} did not load ({Reason}); the previous pair, if any, keeps serving")]
    private partial void LogRejected(string certFile, string keyFile, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "Serving certificate files next to {CertFile} cannot be read ({Reason}); the previous pair, if any, keeps serving")]
    private partial void LogUnreadable(string certFile, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning,
        Message = "No certificate files given: serving a self-signed certificate for localhost made in memory (thumbprint {Thumbprint})")]
    private partial void LogSelfSigned(string thumbprint);
}
