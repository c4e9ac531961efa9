using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Security;

/// <summary>Why a request was not authenticated; the tag value of the denial counter.</summary>
internal enum AuthenticationFailure
{
    NoCertificate,
    UntrustedCertificate,
    CertificateNotTimeValid,
    CertificateNotForClientAuth,
    NameNotAllowed,
    NoUser,
}

/// <summary>The certificates a TLS client sent beyond its leaf, captured during the handshake (a connection feature).</summary>
internal sealed record PeerCertificates(X509Certificate2Collection Intermediates);

internal readonly record struct AuthenticationResult(RequestUser? User, AuthenticationFailure Failure, string Message);

/// <summary>
/// The requestheader authenticator of k8s.io/apiserver: identity headers count only over a client certificate
/// that chains to the requestheader CA bundle (and nothing else), allows client authentication, and — when the
/// allowed-names list is non-empty — carries one of those common names.
/// </summary>
internal sealed class FrontProxyAuthenticator(RequestHeaderTrust trust, TimeProvider time)
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string CommonNameOid = "2.5.4.3";
    private const string Prefix = "Unauthorized: ";

    public AuthenticationResult Authenticate(HttpContext http)
    {
        var settings = trust.Current;
        var certificate = http.Connection.ClientCertificate;
        if (certificate is null || settings is null)
        {
            return Fail(AuthenticationFailure.NoCertificate,
                "no client certificate was presented. This server answers only the Kubernetes API aggregator, which authenticates with " +
                    "its front-proxy certificate; "
                + "call it through the kube-apiserver (kubectl create --raw ...), or run the webhook with --local to debug");
        }

        var intermediates = http.Features.Get<PeerCertificates>()?.Intermediates;
        if (Verify(certificate, intermediates, settings) is { } failure)
        {
            return failure;
        }

        var headers = http.Request.Headers;
        var name = First(headers, settings.UsernameHeaders);
        if (name is null)
        {
            return Fail(AuthenticationFailure.NoUser,
                $"the front-proxy certificate is valid but no user name header ({string.Join(", ", settings.UsernameHeaders)}) is set");
        }

        var groups = new List<string>();
        foreach (var header in settings.GroupHeaders)
        {
            groups.AddRange(headers[header].Where(value => !string.IsNullOrEmpty(value))!);
        }

        if (!groups.Contains(RequestUser.AuthenticatedGroup))
        {
            groups.Add(RequestUser.AuthenticatedGroup);
        }

        var extra = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (header, values) in headers)
        {
            var prefix = settings.ExtraHeaderPrefixes.FirstOrDefault(p => header.StartsWith(p, StringComparison.OrdinalIgnoreCase));
            if (prefix is null || header.Length == prefix.Length)
            {
                continue;
            }

            // Header names are case-insensitive, so the aggregator lower-cases the key and percent-encodes what HTTP cannot carry.
            var key = Uri.UnescapeDataString(header[prefix.Length..].ToLowerInvariant());
            if (!extra.TryGetValue(key, out var list))
            {
                extra[key] = list = [];
            }

            list.AddRange(values.Where(value => !string.IsNullOrEmpty(value))!);
        }

        var user = new RequestUser(name, First(headers, settings.UidHeaders), groups,
            extra.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<string>)pair.Value, StringComparer.Ordinal));

        // Downstream code must never read identity from the raw headers.
        foreach (var header in settings.UsernameHeaders.Concat(settings.UidHeaders).Concat(settings.GroupHeaders))
        {
            headers.Remove(header);
        }

        foreach (var header in headers.Keys.Where(h => settings.ExtraHeaderPrefixes.Any(p => h.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            headers.Remove(header);
        }

        return new AuthenticationResult(user, default, "");
    }

    private AuthenticationResult? Verify(X509Certificate2 certificate, X509Certificate2Collection? intermediates, RequestHeaderSettings settings)
    {
        using var chain = new X509Chain();
        // The intermediates the client sent build the path, as in kube-apiserver's x509 authenticator; only the CA bundle is trusted.
        if (intermediates is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        }

        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(settings.ClientCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthOid));

        bool built;
        try
        {
            built = chain.Build(certificate);
        }
        catch (CryptographicException)
        {
            built = false;
        }

        var status = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if (!built || status != X509ChainStatusFlags.NoError)
        {
            const X509ChainStatusFlags untrusted = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain
                | X509ChainStatusFlags.NotSignatureValid | X509ChainStatusFlags.Cyclic | X509ChainStatusFlags.ExplicitDistrust;
            if ((status & untrusted) != 0 || status == X509ChainStatusFlags.NoError)
            {
                return Fail(AuthenticationFailure.UntrustedCertificate,
                    "the client certificate is not signed by the requestheader (front-proxy) CA; only the Kubernetes API aggregator may call this server");
            }

            if ((status & X509ChainStatusFlags.NotTimeValid) != 0)
            {
                return Fail(AuthenticationFailure.CertificateNotTimeValid,
                    "the front-proxy client certificate has expired or is not valid yet; renew the kube-apiserver's --proxy-client-cert-file");
            }

            if ((status & (X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.InvalidExtension)) != 0)
            {
                return NotForClientAuth();
            }

            return Fail(AuthenticationFailure.UntrustedCertificate,
                $"the front-proxy client certificate does not verify ({status}); only the Kubernetes API aggregator may call this server");
        }

        // A certificate without any extended key usage would pass the chain policy; the front-proxy certificate must name client auth.
        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is not { } usage
            || !usage.EnhancedKeyUsages.Cast<Oid>().Any(oid => oid.Value == ClientAuthOid))
        {
            return NotForClientAuth();
        }

        if (settings.AllowedNames.Count > 0)
        {
            var commonName = CommonName(certificate);
            if (commonName is null || !settings.AllowedNames.Contains(commonName, StringComparer.Ordinal))
            {
                return Fail(AuthenticationFailure.NameNotAllowed,
                    $"the client certificate's common name {Quote(commonName)} is not one of the requestheader allowed names " +
                        $"({string.Join(", ", settings.AllowedNames)})");
            }
        }

        return null;
    }

    private static AuthenticationResult NotForClientAuth() => Fail(AuthenticationFailure.CertificateNotForClientAuth,
        "the client certificate is not issued for client authentication (extended key usage clientAuth)");

    private static AuthenticationResult Fail(AuthenticationFailure failure, string message) => new(null, failure, Prefix + message);

    /// <summary>
    /// k8s.io/apiserver's <c>headerValue</c>: the first value of the first header that has a non-empty first value
    /// (Go's <c>Header.Get</c>); a repeated header's later values never count.
    /// </summary>
    private static string? First(IHeaderDictionary headers, IReadOnlyList<string> names)
    {
        foreach (var name in names)
        {
            var values = headers[name];
            if (values.Count > 0 && !string.IsNullOrEmpty(values[0]))
            {
                return values[0];
            }
        }

        return null;
    }

    /// <summary>
    /// The common name as Go's <c>pkix.Name</c> reads it: every attribute of the subject in encoded order, the last CN
    /// winning (kube-apiserver checks allowed names against that one).
    /// </summary>
    internal static string? CommonName(X509Certificate2 certificate)
    {
        try
        {
            var subject = new AsnReader(certificate.SubjectName.RawData, AsnEncodingRules.DER).ReadSequence();
            string? commonName = null;
            while (subject.HasData)
            {
                var set = subject.ReadSetOf(skipSortOrderValidation: true);
                while (set.HasData)
                {
                    var attribute = set.ReadSequence();
                    var type = attribute.ReadObjectIdentifier();
                    var tag = attribute.PeekTag();
                    if (type == CommonNameOid && tag.TagClass == TagClass.Universal && IsStringTag((UniversalTagNumber)tag.TagValue))
                    {
                        commonName = attribute.ReadCharacterString((UniversalTagNumber)tag.TagValue);
                    }
                }
            }

            return commonName;
        }
        catch (Exception e) when (e is AsnContentException or ArgumentException or CryptographicException)
        {
            return null;
        }
    }

    private static bool IsStringTag(UniversalTagNumber tag) => tag is UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString
        or UniversalTagNumber.IA5String or UniversalTagNumber.T61String or UniversalTagNumber.BMPString or UniversalTagNumber.UniversalString;

    private static string Quote(string? value) => value is null ? "(none)" : $"\"{(value.Length > 64 ? value[..64] + "..." : value)}\"";
}
