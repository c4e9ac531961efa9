using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace WebhookSolver.Testing;

/// <summary>An HTTP request as a SigV4 verifier sees it: raw path, raw query (no '?'), headers in arrival order.</summary>
internal sealed record SigV4Request(string Method, string Path, string Query, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public static SigV4Request From(RecordedRequest request) => new(
        request.Method,
        request.Path,
        request.QueryString.TrimStart('?'),
        [.. request.Headers],
        request.Body);
}

/// <summary>What a verification found; <see cref="ErrorCode"/> is the AWS error code to answer with when it failed.</summary>
internal sealed record SigV4Verdict(string? ErrorCode, string? CanonicalRequest = null, string? StringToSign = null, string? ExpectedSignature = null)
{
    public bool IsValid => ErrorCode is null;
}

/// <summary>
/// Checks an AWS Signature Version 4 Authorization header the way AWS does: rebuilds the canonical request and the
/// string to sign from what arrived, derives the signing key from the secret registered for the access key id, and
/// compares signatures. Verified against the aws-c-auth known-answer suite in testdata/sigv4.
/// </summary>
internal static class SigV4Verifier
{
    private const string Algorithm = "AWS4-HMAC-SHA256";

    /// <param name="credentials">secret key and (optional) session token of an access key id; null for an unknown key</param>
    /// <param name="normalizePath">remove <c>.</c>, <c>..</c> and duplicate slashes (every service but S3)</param>
    public static SigV4Verdict Verify(
        SigV4Request request, Func<string, (string Secret, string? Token)?> credentials, string service, string region, bool normalizePath = true)
    {
        var authorization = Header(request, "authorization");
        if (authorization is null || !authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return new("MissingAuthenticationToken");
        }

        var fields = authorization[(Algorithm.Length + 1)..]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signedHeaderList)
            || !fields.TryGetValue("Signature", out var signature))
        {
            return new("IncompleteSignature");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
        {
            return new("IncompleteSignature");
        }

        var (accessKey, date, scopeRegion, scopeService) = (scope[0], scope[1], scope[2], scope[3]);
        if (credentials(accessKey) is not { } known)
        {
            return new("InvalidClientTokenId");
        }

        if (known.Token is not null && Header(request, "x-amz-security-token") != known.Token)
        {
            return new("InvalidClientTokenId");
        }

        var amzDate = Header(request, "x-amz-date");
        var signedHeaders = signedHeaderList.Split(';');
        if (amzDate is null || !amzDate.StartsWith(date, StringComparison.Ordinal) || scopeRegion != region || scopeService != service
            || !signedHeaders.Contains("host") || signedHeaders.Any(name => Header(request, name) is null))
        {
            return new("SignatureDoesNotMatch");
        }

        var bodyHash = Hex(SHA256.HashData(request.Body));
        var payloadHash = Header(request, "x-amz-content-sha256") ?? bodyHash;
        if (payloadHash != bodyHash)
        {
            return new("XAmzContentSHA256Mismatch");
        }

        var canonical = new StringBuilder()
            .Append(request.Method).Append('\n')
            .Append(CanonicalPath(request.Path, normalizePath)).Append('\n')
            .Append(CanonicalQuery(request.Query)).Append('\n');
        foreach (var name in signedHeaders)
        {
            canonical.Append(name).Append(':').Append(CanonicalHeaderValue(request, name)).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaderList).Append('\n').Append(payloadHash);
        var canonicalRequest = canonical.ToString();
        var stringToSign =
            $"{Algorithm}\n{amzDate}\n{date}/{scopeRegion}/{scopeService}/aws4_request\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + known.Secret), date);
        key = Hmac(key, scopeRegion);
        key = Hmac(key, scopeService);
        key = Hmac(key, "aws4_request");
        var expected = Hex(Hmac(key, stringToSign));
        var matches = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature));
        return new(matches ? null : "SignatureDoesNotMatch", canonicalRequest, stringToSign, expected);
    }

    private static string? Header(SigV4Request request, string name)
    {
        var values = request.Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(",", values);
    }

    private static string CanonicalHeaderValue(SigV4Request request, string name) => string.Join(",",
        request.Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
            .Select(h => string.Join(' ', h.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))));

    private static string CanonicalPath(string path, bool normalize)
    {
        if (normalize)
        {
            var segments = new List<string>();
            foreach (var segment in path.Split('/'))
            {
                if (segment is "" or ".")
                {
                    continue;
                }

                if (segment == "..")
                {
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    continue;
                }

                segments.Add(segment);
            }

            var trailing = path.EndsWith('/') && segments.Count > 0 ? "/" : "";
            path = "/" + string.Join('/', segments) + trailing;
        }

        return string.Join('/', path.Split('/').Select(Encode));
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length == 0)
        {
            return "";
        }

        return string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(pair => (Key: Encode(Uri.UnescapeDataString(pair[0])), Value: Encode(pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : "")))
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .ThenBy(pair => pair.Value, StringComparer.Ordinal)
            .Select(pair => $"{pair.Key}={pair.Value}"));
    }

    /// <summary>RFC 3986 encoding as SigV4 defines it: unreserved characters kept, every other UTF-8 byte as %XX.</summary>
    private static string Encode(string text)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_' or '~')
            {
                encoded.Append(c);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
