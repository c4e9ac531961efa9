using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using WebhookSolver.Challenges;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Security;

/// <summary>
/// Bad payloads from an authorized caller: every one is answered 4xx, or 201 with <c>success:false</c> when it
/// decodes and the solver rejects it — never 5xx — and the server stays healthy.
/// </summary>
public sealed class MalformedInputTests(SecureServerFixture fixture) : IClassFixture<SecureServerFixture>
{
    private static readonly string[] Fields =
        ["uid", "action", "type", "dnsName", "key", "resourceNamespace", "resolvedFQDN", "resolvedZone", "allowAmbientCredentials", "config"];

    private static readonly string[] WrongValues =
        ["123", "-1.5e308", "1e400", "true", "null", "[]", "[\"Present\"]", "{}", "{\"a\":1}", "\"text\"", "\"\"", "\"\\ud800\"", "18446744073709551616"];

    private static readonly string[] Actions =
        ["present", "PRESENT", "cleanup", "Cleanup", "Delete", "", " Present", "Present ", "Present\\u0000", "Pre\\u0073ent2", "CleanUp\\n",
            new string('A', 10_000)];

    /// <summary>At least 200 generated bad bodies, deterministic so a failure can be reproduced.</summary>
    public static IReadOnlyList<(string Name, byte[] Body)> Corpus()
    {
        var corpus = new List<(string, byte[])>();
        var valid = SecureServerFixture.ValidPayload();
        var bytes = Encoding.UTF8.GetBytes(valid);

        // Truncated JSON at many positions.
        for (var cut = 0; cut < bytes.Length; cut += Math.Max(1, bytes.Length / 40))
        {
            corpus.Add(($"truncated at {cut}", bytes[..cut]));
        }

        // Every field with every wrong type.
        foreach (var field in Fields)
        {
            foreach (var value in WrongValues)
            {
                var request = JsonNode.Parse(valid)!["request"]!.AsObject();
                request.Remove(field);
                var text = request.ToJsonString().TrimEnd('}') + $",\"{field}\":{value}}}";
                corpus.Add(($"{field} = {value}", Encoding.UTF8.GetBytes("{\"request\":" + text + "}")));
            }
        }

        // Lone surrogates where the payload is kept as raw JSON until it is echoed.
        foreach (var escape in new[] { "\\ud800", "\\udfff", "a\\ud83d", "\\udc00\\ud800" })
        {
            corpus.Add(($"unknown field '{escape}'",
                Encoding.UTF8.GetBytes(valid.Replace("\"uid\":\"\"", $"\"future\":\"{escape}\",\"uid\":\"\"", StringComparison.Ordinal))));
            corpus.Add(($"config key '{escape}'", Encoding.UTF8.GetBytes(valid.Replace("\"region\"", $"\"{escape}\"", StringComparison.Ordinal))));
        }

        // Unknown and misspelled actions.
        foreach (var action in Actions)
        {
            corpus.Add(($"action '{action[..Math.Min(20, action.Length)]}'", Encoding.UTF8.GetBytes(SecureServerFixture.ValidPayload(action))));
        }

        // Wrong shapes at the top.
        foreach (var top in new[] { "", " ", "null", "true", "42", "\"ChallengePayload\"", "[]", "[{}]", "{}", "{\"request\":null}", "{\"request\":[]}",
                     "{\"request\":\"Present\"}", "{\"request\":42}", "{\"apiVersion\":7,\"request\":{}}", "{\"kind\":[],\"request\":{}}",
                     "{\"response\":{\"success\":\"yes\"}}", "{'request':{}}", "{\"request\":{},}", "{\"request\":{}} trailing", "<ChallengePayload/>",
                     "{\"request\":{\"action\":\"Present\"/*c*/}}", "NaN", "\uFEFF{\"request\":{}}",
                         "{\"request\":{\"action\":\"Present\",\"action\":\"Bogus\"}}" })
        {
            corpus.Add(($"top-level {top[..Math.Min(24, top.Length)]}", Encoding.UTF8.GetBytes(top)));
        }

        // Huge strings: just under and over the body limit.
        foreach (var size in new[] { 1_000, 30_000, 60_000, 70_000, 200_000 })
        {
            foreach (var field in new[] { "dnsName", "key", "uid" })
            {
                corpus.Add(($"{field} of {size} chars",
                    Encoding.UTF8.GetBytes(valid.Replace("\"uid\":\"\"", $"\"{field}X\":\"\",\"uid\":\"\"", StringComparison.Ordinal)
                    .Replace($"\"{field}\":\"", $"\"{field}\":\"{new string('a', size)}", StringComparison.Ordinal))));
            }
        }

        // Deep nesting, in config, in an unknown field, and as the whole body.
        foreach (var depth in new[] { 63, 64, 65, 1_000, 10_000 })
        {
            var nested = new string('[', depth) + new string(']', depth);
            var objects = string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
            corpus.Add(($"config nested {depth}", Encoding.UTF8.GetBytes(valid.Replace("{\"region\":\"us-east-1\"}", objects, StringComparison.Ordinal))));
            corpus.Add(($"unknown field nested {depth}",
                Encoding.UTF8.GetBytes(valid.Replace("\"uid\":\"\"", $"\"future\":{nested},\"uid\":\"\"", StringComparison.Ordinal))));
            corpus.Add(($"body nested {depth}", Encoding.UTF8.GetBytes(nested)));
        }

        // Invalid UTF-8 inside strings and between tokens.
        var badSequences = new byte[][] { [0xC3, 0x28], [0xA0, 0xA1], [0xE2, 0x28, 0xA1], [0xF0, 0x28, 0x8C, 0xBC], [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80] };
        foreach (var bad in badSequences)
        {
            foreach (var marker in new[] { "example.com\"", "dns-01\"", "{\"request\"" })
            {
                var at = valid.IndexOf(marker, StringComparison.Ordinal) + 2;
                corpus.Add(($"invalid UTF-8 {Convert.ToHexString(bad)} near {marker}", [.. bytes[..at], .. bad, .. bytes[at..]]));
            }
        }

        // Random bytes.
        var random = new Random(4711);
        for (var i = 0; i < 10; i++)
        {
            var noise = new byte[random.Next(1, 2000)];
            random.NextBytes(noise);
            corpus.Add(($"random bytes {i}", noise));
        }

        return corpus;
    }

    [Fact]
    public void TheCorpusHoldsAtLeastTwoHundredBadPayloads() => Corpus().Should().HaveCountGreaterThanOrEqualTo(200);

    [Fact]
    public async Task EveryBadPayloadIsAnswered4xxOrAFailedResponseAndTheServerStaysHealthy()
    {
        fixture.Factory.Solver.Failure = new SolverException("config is not a valid route53 config");
        try
        {
            using var client = fixture.Factory.CreateTlsClient(fixture.FrontProxyClient);
            var wrong = new List<string>();
            foreach (var (name, body) in Corpus())
            {
                using var request = SecureServerFixture.Request(HttpMethod.Post, SecureWebhookFactory.SolverPath, "alice-fuzz");
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new("application/json");
                // An oversized body is refused before it is read; like real clients, wait for the go-ahead before sending it.
                request.Headers.ExpectContinue = body.Length > 64 * 1024;
                using var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                if (status is >= 400 and < 500)
                {
                    continue;
                }

                if (status == 201 && JsonNode.Parse(text)?["response"] is { } answer
                    && answer["success"]?.GetValue<bool>() == false && ((string?)answer["status"]?["message"])?.Length > 0)
                {
                    continue;
                }

                wrong.Add($"{name}: {status} {text[..Math.Min(200, text.Length)]}");
            }

            wrong.Should().BeEmpty(string.Join("\n", wrong));

            (await client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
        }
        finally
        {
            fixture.Factory.Solver.Failure = null;
        }

        using var after = fixture.Factory.CreateTlsClient(fixture.FrontProxyClient);
        using var valid = SecureServerFixture.Request(HttpMethod.Post, SecureWebhookFactory.SolverPath, "alice-fuzz", body: SecureServerFixture.ValidPayload());
        using var response2 = await after.SendAsync(valid);
        response2.StatusCode.Should().Be(HttpStatusCode.Created);
        (await response2.Content.ReadAsStringAsync()).Should().Contain("\"success\":true");
    }

    [Fact]
    public async Task OversizedHeadersAreRefusedBeforeAnythingElse()
    {
        using var client = fixture.Factory.CreateTlsClient(fixture.FrontProxyClient);
        using var many = SecureServerFixture.Request(HttpMethod.Get, "/apis", "alice");
        for (var i = 0; i < 100; i++)
        {
            many.Headers.Add($"X-Filler-{i}", "x");
        }

        ((int)(await client.SendAsync(many)).StatusCode).Should().Be(431);

        using var huge = SecureServerFixture.Request(HttpMethod.Get, "/apis", "alice");
        huge.Headers.Add("X-Filler", new string('x', 40_000));
        ((int)(await client.SendAsync(huge)).StatusCode).Should().Be(431);
    }
}
