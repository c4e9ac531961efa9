using System.Text;
using System.Text.Json;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Testing;

/// <summary>The fake Route53's signature check is only as good as this verifier: it must reproduce AWS's own answers.</summary>
public sealed class SigV4VerifierTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(TestData.PathOf("sigv4")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Fact]
    public void TheSuiteHasAll38Cases() => Cases().Should().HaveCount(38);

    [Theory]
    [MemberData(nameof(Cases))]
    public void VerifierReproducesTheCanonicalRequestStringToSignAndSignatureOfEachCase(string name)
    {
        var (request, context) = Load(name);

        var verdict = SigV4Verifier.Verify(request, Lookup(context), context.Service, context.Region, context.Normalize);

        verdict.CanonicalRequest.Should().Be(Read(name, "header-canonical-request.txt"));
        verdict.StringToSign.Should().Be(Read(name, "header-string-to-sign.txt"));
        verdict.ExpectedSignature.Should().Be(Read(name, "header-signature.txt"));
        verdict.IsValid.Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void VerifierRejectsEachCaseSignedWithAnotherSecret(string name)
    {
        var (request, context) = Load(name);

        var verdict = SigV4Verifier.Verify(request, _ => ("not-the-secret", context.Token), context.Service, context.Region, context.Normalize);

        verdict.ErrorCode.Should().Be("SignatureDoesNotMatch");
    }

    [Fact]
    public void VerifierRejectsAnUnknownAccessKeyAsInvalidClientTokenId()
    {
        var (request, context) = Load("get-vanilla");

        SigV4Verifier.Verify(request, _ => null, context.Service, context.Region).ErrorCode.Should().Be("InvalidClientTokenId");
    }

    [Fact]
    public void VerifierRejectsATamperedHeaderValue()
    {
        var (request, context) = Load("get-header-value-trim");
        var tampered = request with { Headers = [.. request.Headers.Select(h => h.Key == "My-Header1" ? new(h.Key, "other") : h)] };

        SigV4Verifier.Verify(tampered, Lookup(context), context.Service, context.Region).ErrorCode.Should().Be("SignatureDoesNotMatch");
    }

    private sealed record Context(string AccessKey, string Secret, string? Token, string Region, string Service, bool Normalize);

    private static Func<string, (string, string?)?> Lookup(Context context) =>
        key => key == context.AccessKey ? (context.Secret, context.Token) : null;

    private static string Read(string name, string file) => File.ReadAllText(TestData.PathOf("sigv4", name, file));

    private static (SigV4Request Request, Context Context) Load(string name)
    {
        using var json = JsonDocument.Parse(Read(name, "context.json"));
        var root = json.RootElement;
        var credentials = root.GetProperty("credentials");
        var context = new Context(
            credentials.GetProperty("access_key_id").GetString()!,
            credentials.GetProperty("secret_access_key").GetString()!,
            credentials.TryGetProperty("token", out var token) ? token.GetString() : null,
            root.GetProperty("region").GetString()!,
            root.GetProperty("service").GetString()!,
            root.GetProperty("normalize").GetBoolean());
        return (ParseHttp(Read(name, "header-signed-request.txt")), context);
    }

    /// <summary>The suite's request format: raw request line, <c>Name:value</c> headers, indented continuation lines, blank line, body.</summary>
    private static SigV4Request ParseHttp(string text)
    {
        var lines = text.Split('\n');
        var requestLine = lines[0];
        var method = requestLine[..requestLine.IndexOf(' ', StringComparison.Ordinal)];
        var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal)];
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var (path, query) = question < 0 ? (target, "") : (target[..question], target[(question + 1)..]);

        var headers = new List<KeyValuePair<string, string>>();
        var i = 1;
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            if (lines[i].StartsWith(' ') && headers.Count > 0)
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + " " + lines[i].Trim());
                continue;
            }

            var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(lines[i][..colon], lines[i][(colon + 1)..]));
        }

        var body = i + 1 < lines.Length ? string.Join('\n', lines[(i + 1)..]) : "";
        return new SigV4Request(method, path, query, headers, Encoding.UTF8.GetBytes(body));
    }
}
