using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebhookSolver.Kubernetes;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Challenges;

/// <summary>
/// The real server (local mode, real solver and credential chain) over Kestrel, with a fake Route53 and a fake
/// Kubernetes API behind relays that keep every byte sent to them. Started once for the whole corpus.
/// </summary>
public sealed class HostileCorpusFixture : IAsyncLifetime
{
    public const string Namespace = "team-a";
    public const string AccessKey = "AKIDROUTE53TEST00000";
    public const string SecretKey = "hostile-corpus-secret-key";

    private Server WebhookServer { get; set; } = null!;

    internal FakeRoute53 Route53 { get; private set; } = null!;

    internal FakeKubernetesApi Kubernetes { get; private set; } = null!;

    internal HeaderBlockRecorder Route53Wire { get; private set; } = null!;

    internal HeaderBlockRecorder KubernetesWire { get; private set; } = null!;

    public string ZoneId { get; private set; } = "";

    public HttpClient Client { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    /// <summary>Requests the fakes have received so far, Route53 and Kubernetes together.</summary>
    public int OutgoingRequests => Route53.Server.Requests.Count + Kubernetes.Requests.Count;

    public async Task InitializeAsync()
    {
        Route53 = await FakeRoute53.StartAsync();
        Route53.AddCredentials(AccessKey, SecretKey);
        ZoneId = Route53.AddZone("example.com");
        Kubernetes = await FakeKubernetesApi.StartAsync();
        Kubernetes.AddSecret(Namespace, "route53", new Dictionary<string, string> { ["id"] = AccessKey, ["secret"] = SecretKey });
        Kubernetes.AddSecret(Namespace, "header-injection", new Dictionary<string, string> { ["id"] = "AKIDATTACKER\r\nX-Evil: 1", ["secret"] = SecretKey });
        Kubernetes.AddSecret(Namespace, "smuggling", new Dictionary<string, string>
        {
            ["id"] = "AKIDATTACKER00000000\r\nContent-Length: 0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: evil",
            ["secret"] = SecretKey,
        });
        Kubernetes.AddSecret(Namespace, "non-ascii", new Dictionary<string, string> { ["id"] = "AKIDÄÖÜ0000000000000", ["secret"] = "s\u00e9cret" });
        Kubernetes.AddSecret(Namespace, "bad-secret", new Dictionary<string, string> { ["id"] = AccessKey, ["secret"] = "secret\r\nX-Evil: 1" });
        Route53Wire = new HeaderBlockRecorder(Route53.Endpoint);
        KubernetesWire = new HeaderBlockRecorder(Kubernetes.BaseAddress);

        WebhookServer = new Server(Route53Wire.Address, new KubernetesApi(new KubernetesClientConfiguration { Host = KubernetesWire.Address.ToString() }));
        Address = WebhookServer.Start();
        Client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions =
                new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => IsLocalModeCertificate(certificate) },
        })
        {
            BaseAddress = Address,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Local mode serves a self-signed certificate for localhost made in memory at start-up.</summary>
    public static bool IsLocalModeCertificate(System.Security.Cryptography.X509Certificates.X509Certificate? certificate) =>
        certificate?.Subject == "CN=localhost" && certificate.Issuer == "CN=localhost";

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await WebhookServer.DisposeAsync();
        await Route53Wire.DisposeAsync();
        await KubernetesWire.DisposeAsync();
        await Kubernetes.DisposeAsync();
        await Route53.DisposeAsync();
    }

    /// <summary>A Present cert-manager could send for this fixture: static keys from a Secret, the zone given by id.</summary>
    public JsonObject ValidPayload() => new()
    {
        ["apiVersion"] = "webhook.acme.cert-manager.io/v1alpha1",
        ["kind"] = "ChallengePayload",
        ["request"] = new JsonObject
        {
            ["uid"] = "0f4c1a3e-5b7d-4c51-9b8e-1a2b3c4d5e6f",
            ["action"] = "Present",
            ["type"] = "dns-01",
            ["dnsName"] = "example.com",
            ["key"] = "dGVzdC1rZXktdmFsdWUtNDMtY2hhcnMtbG9uZy0wMTIzNDU",
            ["resourceNamespace"] = Namespace,
            ["resolvedFQDN"] = "_acme-challenge.example.com.",
            ["resolvedZone"] = "example.com.",
            ["allowAmbientCredentials"] = false,
            ["config"] = new JsonObject
            {
                ["region"] = "us-east-1",
                ["hostedZoneID"] = ZoneId,
                ["accessKeyIDSecretRef"] = new JsonObject { ["name"] = "route53", ["key"] = "id" },
                ["secretAccessKeySecretRef"] = new JsonObject { ["name"] = "route53", ["key"] = "secret" },
            },
        },
    };

    private sealed class Server(Uri route53, KubernetesApi kubernetes) : WebApplicationFactory<Program>
    {
        public Uri Start()
        {
            UseKestrel();
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.First(address => address.StartsWith("https://", StringComparison.Ordinal)));
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            var settings = Route53Harness.FastSettings(route53);
            settings["Webhook:Local"] = "true";
            settings["Webhook:SecurePort"] = "0";
            settings["Metrics:Port"] = "0";
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<KubernetesApi>();
                services.AddSingleton(kubernetes);
            });
        }
    }
}

/// <summary>
/// Every field a caller controls × every kind of hostile value, sent as cert-manager would send it: never a 5xx,
/// never a hang, not one outgoing request for a payload outside the formats, and no header block on the wire with a
/// control byte other than its CRLF line ends.
/// </summary>
public sealed class HostileCorpusTests(HostileCorpusFixture fixture) : IClassFixture<HostileCorpusFixture>
{
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(10);

    private static readonly string[] ChallengeFields = ["uid", "type", "dnsName", "key", "resourceNamespace", "resolvedFQDN", "resolvedZone"];

    private static readonly string[] ConfigFields =
    [
        "region", "hostedZoneID", "accessKeyID", "role", "accessKeyIDSecretRef.name", "accessKeyIDSecretRef.key",
        "secretAccessKeySecretRef.name", "secretAccessKeySecretRef.key", "auth.kubernetes.serviceAccountRef.name",
        "auth.kubernetes.serviceAccountRef.audiences",
    ];

    /// <summary>Hostile values as JSON text, by kind.</summary>
    private static readonly (string Kind, string Json)[] Values =
    [
        ("control", Text("a\u0000b")), ("control", Text("a\u001b[31mb")), ("control", Text("\u0007")), ("control", Text("x\ty")),
        ("CR/LF", Text("x\r\nX-Evil: 1")), ("CR/LF", Text("x\r\nContent-Length: 0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: evil\r\n\r\n")),
        ("CR/LF", Text("x\n")), ("CR/LF", Text("\rx")),
        ("non-ASCII", Text("zon\u00e9")), ("non-ASCII", Text("\u65e5\u672c")), ("non-ASCII", Text("x\u00a0y")), ("non-ASCII", Text("\u202ex")),
        ("overlong", Text(new string('a', 300))), ("overlong", Text(new string('A', 5000))),
        ("wrong type", "123"), ("wrong type", "true"), ("wrong type", "{}"), ("wrong type", "[]"),
        ("null", "null"),
        ("path", Text("..")), ("path", Text(".")), ("path", Text("/")), ("path", Text("a/../../x")), ("path", Text("Z1?x=1")),
        ("path", Text("%2e%2e%2f")), ("path", Text("/hostedzone/")), ("path", Text("x#y")),
    ];

    private sealed record Case(string Name, string Body, bool Invalid, bool SecretIsHostile = false);

    private static string Text(string value) => JsonValue.Create(value).ToJsonString();

    private List<Case> Corpus()
    {
        var cases = new List<Case>();
        foreach (var field in ChallengeFields.Concat(ConfigFields.Select(f => "config." + f)))
        {
            foreach (var (kind, json) in Values)
            {
                var payload = fixture.ValidPayload();
                var request = payload["request"]!.AsObject();
                Set(request, field, json);
                cases.Add(new Case($"{field} = {kind} {Shorten(json)}", payload.ToJsonString(), Invalid: !MayBeValid(field, json)));
            }
        }

        foreach (var value in new[] { "1", "\"yes\"", "null", "[]", "{}" })
        {
            var payload = fixture.ValidPayload();
            payload["request"]!["allowAmbientCredentials"] = JsonNode.Parse(value);
            cases.Add(new Case($"allowAmbientCredentials = {value}", payload.ToJsonString(), Invalid: true));
        }

        // Valid config whose Secret holds a hostile value: Kubernetes is read, Route53 never.
        foreach (var secret in new[] { "header-injection", "smuggling", "non-ascii", "bad-secret" })
        {
            var payload = fixture.ValidPayload();
            var config = payload["request"]!["config"]!;
            config["accessKeyIDSecretRef"]!["name"] = secret;
            config["secretAccessKeySecretRef"]!["name"] = secret;
            cases.Add(new Case($"Secret {secret}", payload.ToJsonString(), Invalid: true, SecretIsHostile: true));
        }

        return cases;
    }

    /// <summary>Values that fit the field's format (null means unset; keys, types and audiences may hold path characters).</summary>
    private static bool MayBeValid(string field, string json)
    {
        if (json == "null")
        {
            return true;
        }

        var value = JsonNode.Parse(json) is JsonValue node && node.TryGetValue<string>(out var text) ? text : null;
        return value is { Length: > 0 and <= 63 } && value.All(c => c is > ' ' and < '\u007f')
            && field is "key" or "type" or "config.auth.kubernetes.serviceAccountRef.audiences";
    }

    /// <summary>Sets a dotted field of the request; for <c>accessKeyID</c> the Secret reference it replaces is removed.</summary>
    private static void Set(JsonObject request, string field, string json)
    {
        var parts = field.Split('.');
        JsonObject target = request;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            target = target[parts[i]] as JsonObject ?? (JsonObject)(target[parts[i]] = new JsonObject());
        }

        if (field == "config.accessKeyID")
        {
            target.Remove("accessKeyIDSecretRef");
        }

        if (field.StartsWith("config.auth.", StringComparison.Ordinal))
        {
            request["config"]!["role"] = "arn:aws:iam::222222222222:role/dns-manager";
            if (field.EndsWith(".audiences", StringComparison.Ordinal))
            {
                target["name"] = "dns-solver";
                target["audiences"] = new JsonArray(JsonNode.Parse(json));
                return;
            }
        }

        target[parts[^1]] = JsonNode.Parse(json);
    }

    private static string Shorten(string json) => json.Length > 24 ? json[..24] + "..." : json;

    [Fact]
    public async Task EveryHostilePayloadIsRefusedBeforeAnyCallAndNothingForgedReachesTheWire()
    {
        var corpus = Corpus();
        corpus.Should().HaveCountGreaterThanOrEqualTo(300);
        var failures = new List<string>();

        // The payload every case starts from works: the corpus tests validation, not a broken fixture.
        var (baselineStatus, baselineAnswer) = await PostAsync(fixture.ValidPayload().ToJsonString());
        baselineStatus.Should().Be(201);
        baselineAnswer.Should().Contain("\"success\":true");
        fixture.Route53.Calls("ChangeResourceRecordSets").Should().BeGreaterThan(0);

        foreach (var (name, body, invalid, secretIsHostile) in corpus)
        {
            var route53Before = fixture.Route53.Server.Requests.Count;
            var before = fixture.OutgoingRequests;
            int status;
            string answer;
            try
            {
                (status, answer) = await PostAsync(body);
            }
            catch (OperationCanceledException)
            {
                failures.Add($"{name}: no answer within {HangBound.TotalSeconds:0}s");
                continue;
            }

            if (status >= 500)
            {
                failures.Add($"{name}: answered {status}");
            }

            if (invalid && (status is < 400 or >= 500) && !answer.Contains("\"success\":false", StringComparison.Ordinal))
            {
                failures.Add($"{name}: accepted ({status})");
            }

            if (secretIsHostile ? fixture.Route53.Server.Requests.Count != route53Before : invalid && fixture.OutgoingRequests != before)
            {
                failures.Add($"{name}: {fixture.OutgoingRequests - before} outgoing request(s) for an invalid payload");
            }
        }

        foreach (var block in fixture.Route53Wire.HeaderBlocks().Concat(fixture.KubernetesWire.HeaderBlocks()))
        {
            if (ControlByte(block) is { } offset)
            {
                failures.Add($"outgoing header block with byte 0x{block[offset]:x2} " +
                    $"at {offset}: {Encoding.Latin1.GetString(block)[..Math.Min(200, block.Length)]}");
            }
        }

        fixture.Route53Wire.HeaderBlocks().Should().HaveCount(fixture.Route53.Server.Requests.Count, "every request on the wire is one the fake answered");
        fixture.Route53.Server.Requests.Should().NotContain(r => r.Path.Contains("smuggled", StringComparison.Ordinal));
        failures.Should().BeEmpty();
    }

    /// <summary>Offset of a byte below 0x20 that is not part of a CRLF line end, or null.</summary>
    private static int? ControlByte(byte[] block)
    {
        for (var i = 0; i < block.Length; i++)
        {
            var crlf = (block[i] == '\r' && i + 1 < block.Length && block[i + 1] == '\n') || (block[i] == '\n' && i > 0 && block[i - 1] == '\r');
            if (block[i] < 0x20 && !crlf)
            {
                return i;
            }
        }

        return null;
    }

    public static TheoryData<string, string> MalformedBodies() => new()
    {
        { "{\"request\":{}}", "request.action" },
        { "{\"request\":{\"action\":null}}", "request.action is missing" },
        { "{\"request\":{\"uid\":\"u\",\"resolvedFQDN\":\"_acme-challenge.example.com.\",\"key\":\"k\"}}", "request.action" },
        { "", "request body is empty" },
        { "{\"request\":[]}", "not a valid ChallengePayload" },
        { "[]", "not a valid ChallengePayload" },
        { "null", "no request object" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task AMalformedBodyGetsA4xxStatusThatSaysWhy(string body, string message)
    {
        var before = fixture.OutgoingRequests;

        var (status, answer) = await PostAsync(body);

        status.Should().Be(400);
        answer.Should().Contain("\"kind\":\"Status\"").And.Contain(message);
        fixture.OutgoingRequests.Should().Be(before);
    }

    [Fact]
    public async Task AChunkSizeThatOverflowsGetsA4xxNotA5xx()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.Address.Host, fixture.Address.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) => HostileCorpusFixture.IsLocalModeCertificate(certificate));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11] });
        await tls.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {Path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "FFFFFFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n"));
        using var reader = new StreamReader(tls, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(HangBound);
        var statusLine = await reader.ReadLineAsync(timeout.Token);

        var status = int.Parse(statusLine!.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        status.Should().BeInRange(400, 499);
    }

    private const string Path = "/apis/acme.example.com/v1alpha1/route53";

    private async Task<(int Status, string Answer)> PostAsync(string body)
    {
        using var timeout = new CancellationTokenSource(HangBound);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await fixture.Client.PostAsync(Path, content, timeout.Token);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
    }
}
