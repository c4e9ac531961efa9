using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Hosting;

/// <summary>
/// One server process as a cluster runs it — not <c>--local</c>: serving certificate files; the front-proxy trust read
/// from the <c>extension-apiserver-authentication</c> ConfigMap; SubjectAccessReviews, Secrets, TokenRequests and its
/// Lease from one fake API server reached through a kubeconfig; the pod's own AWS keys in its environment, a fake STS
/// behind <c>AWS_ENDPOINT_URL_STS</c> and a fake Route53 behind <c>--Route53:Endpoint</c>. These are the paths a
/// Native AOT build must keep (Kubernetes models, the AWS SDK's STS client, every JSON contract): CI runs this class
/// again against the published executable (<see cref="ServerCommand.ServerVariable"/>).
/// </summary>
[Trait("Server", "Process")]
public sealed class DeployedServerTests(DeployedServerTests.Deployment deployment) : IClassFixture<DeployedServerTests.Deployment>
{
    private const string CertManager = "system:serviceaccount:cert-manager:cert-manager";

    private static void Succeeded(JsonObject response) =>
        response["success"]!.GetValue<bool>().Should().BeTrue(response["status"]?["message"]?.GetValue<string>() ?? response.ToJsonString());

    private static void FailedMentioning(JsonObject response, string text)
    {
        response["success"]!.GetValue<bool>().Should().BeFalse();
        response["status"]!["message"]!.GetValue<string>().Should().Contain(text);
    }

    [Fact]
    public async Task AnIssuersSecretKeysWriteTheRecordAndItsCleanUpRemovesIt()
    {
        var fqdn = "_acme-challenge.secret.example.com.";
        var config = new JsonObject
        {
            ["region"] = "us-east-1",
            ["hostedZoneID"] = deployment.ZoneId,
            ["accessKeyIDSecretRef"] = new JsonObject { ["name"] = "route53", ["key"] = "access-key-id" },
            ["secretAccessKeySecretRef"] = new JsonObject { ["name"] = "route53", ["key"] = "secret-access-key" },
        };

        Succeeded(await deployment.SendAsync("Present", fqdn, "secret-key", "team-a", ambient: false, config));
        deployment.Route53.TxtTexts(deployment.ZoneId, fqdn).Should().Equal("secret-key");
        deployment.Kubernetes.SecretReads.Should().Contain(("team-a", "route53"));

        Succeeded(await deployment.SendAsync("CleanUp", fqdn, "secret-key", "team-a", ambient: false, config));
        deployment.Route53.TxtTexts(deployment.ZoneId, fqdn).Should().BeEmpty();
    }

    [Fact]
    public async Task AClusterIssuersRoleIsAssumedWithThePodsOwnKeysAndTheZoneIsFoundByName()
    {
        var fqdn = "_acme-challenge.role.example.com.";
        var config = new JsonObject { ["region"] = "us-east-1", ["role"] = Deployment.Role };

        Succeeded(await deployment.SendAsync("Present", fqdn, "role-key", "cert-manager", ambient: true, config));

        deployment.Route53.TxtTexts(deployment.ZoneId, fqdn).Should().Equal("role-key");
        deployment.Sts.Calls.Should().Contain(call =>
            call.Action == "AssumeRole" && call.RoleArn == Deployment.Role && call.SigningAccessKeyId == Deployment.AmbientKey);
        Succeeded(await deployment.SendAsync("CleanUp", fqdn, "role-key", "cert-manager", ambient: true, config));
        deployment.Route53.TxtTexts(deployment.ZoneId, fqdn).Should().BeEmpty();
    }

    [Fact]
    public async Task AServiceAccountRefIsExchangedThroughATokenRequestForWebIdentityCredentials()
    {
        var fqdn = "_acme-challenge.irsa.example.com.";
        var config = new JsonObject
        {
            ["region"] = "us-east-1",
            ["hostedZoneID"] = deployment.ZoneId,
            ["role"] = Deployment.Role,
            ["auth"] = new JsonObject
            {
                ["kubernetes"] = new JsonObject
                {
                    ["serviceAccountRef"] = new JsonObject { ["name"] = "route53-solver", ["audiences"] = new JsonArray("sts.amazonaws.com") },
                },
            },
        };

        Succeeded(await deployment.SendAsync("Present", fqdn, "irsa-key", "team-b", ambient: false, config));

        deployment.Route53.TxtTexts(deployment.ZoneId, fqdn).Should().Equal("irsa-key");
        deployment.Kubernetes.TokenRequests.Should().Contain(call =>
            call.Namespace == "team-b" && call.ServiceAccount == "route53-solver" && call.Audiences.SequenceEqual(new[] { "sts.amazonaws.com" }));
        deployment.Sts.Calls.Should().Contain(call => call.Action == "AssumeRoleWithWebIdentity" && call.WebIdentityToken == Deployment.WebIdentityToken);
        Succeeded(await deployment.SendAsync("CleanUp", fqdn, "irsa-key", "team-b", ambient: false, config));
    }

    [Fact]
    public async Task AnIssuerMayNotUseThePodsOwnKeysAndAnUnknownFieldIsNamed()
    {
        var ambient = await deployment.SendAsync("Present", "_acme-challenge.denied.example.com.", "k", "team-a", ambient: false,
            new JsonObject { ["region"] = "us-east-1", ["hostedZoneID"] = deployment.ZoneId });
        var unknown = await deployment.SendAsync("Present", "_acme-challenge.typo.example.com.", "k", "cert-manager", ambient: true,
            new JsonObject { ["region"] = "us-east-1", ["hostedZoneId"] = deployment.ZoneId });

        FailedMentioning(ambient, "ambient");
        FailedMentioning(unknown, "hostedZoneId");
        deployment.Route53.TxtTexts(deployment.ZoneId, "_acme-challenge.denied.example.com.").Should().BeEmpty();
    }

    [Fact]
    public async Task CallersAreAuthenticatedByTheFrontProxyCertificateAndAuthorizedBySubjectAccessReview()
    {
        using var anonymous = deployment.Client(clientCertificate: false, CertManager);
        using var stranger = deployment.Client(clientCertificate: true, "system:serviceaccount:default:stranger");
        var body = Deployment.Payload("Present", "_acme-challenge.x.example.com.", "k", "cert-manager", ambient: true, new JsonObject());

        using var unauthenticated = await anonymous.PostAsJsonAsync(Deployment.SolverPath, body);
        using var forbidden = await stranger.PostAsJsonAsync(Deployment.SolverPath, body);

        unauthenticated.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        forbidden.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await forbidden.Content.ReadFromJsonAsync<JsonObject>())!["kind"]!.GetValue<string>().Should().Be("Status");
        deployment.Authorization.Reviews.Should().Contain(review => review.User == "system:serviceaccount:default:stranger");
    }

    [Fact]
    public async Task DiscoveryOpenApiAndTheReplicasLeaseAreServed()
    {
        using var http = deployment.Client(clientCertificate: true, CertManager);

        var resources = await http.GetFromJsonAsync<JsonObject>($"apis/{Deployment.Group}/v1alpha1");
        var openApi = await http.GetStringAsync("openapi/v2");
        await Poll.UntilAsync(() => deployment.Kubernetes.Leases.In(Deployment.Namespace).ContainsKey(Deployment.PodName), TimeSpan.FromSeconds(30),
            "the replica creates its Lease");

        resources!["resources"]!.AsArray().Select(r => (string?)r!["name"]).Should().Contain("route53");
        JsonNode.DeepEquals(JsonNode.Parse(openApi), JsonNode.Parse(File.ReadAllText(TestData.RepositoryFile("src/WebhookSolver/Challenges/openapi-v2.json"))))
            .Should().BeTrue("the served document is the one generated into the repository");
        var lease = deployment.Kubernetes.Leases.In(Deployment.Namespace)[Deployment.PodName];
        lease["spec"]!["holderIdentity"]!.GetValue<string>().Should().Be(Deployment.PodName);
    }

    /// <summary>The fakes and the one server process every test of the class talks to.</summary>
    public sealed class Deployment : IAsyncLifetime, IDisposable
    {
        public const string Group = "acme.example.com";
        public const string Namespace = "cert-manager";
        public const string PodName = "webhook-route53-0";
        public const string AmbientKey = "AKIDPODAMBIENT000000";
        public const string Role = "arn:aws:iam::123456789012:role/dns-manager";
        public const string WebIdentityToken = "projected-token-of-route53-solver";
        private const string AmbientSecret = "pod-ambient-secret";
        private const string IssuerKey = "AKIDISSUERSECRET0000";
        private const string IssuerSecret = "issuer-secret-value";

        private readonly FrontProxyCertificates _certificates = new();
        private readonly WorkingDirectory _directory = new();
        private RunningServer _server = null!;
        private Uri _address = null!;

        internal FakeKubernetesApi Kubernetes { get; private set; } = null!;

        internal FakeKubernetesAuthorization Authorization { get; } = FakeKubernetesAuthorization.Unserved();

        internal FakeSts Sts { get; private set; } = null!;

        internal FakeRoute53 Route53 { get; private set; } = null!;

        public string ZoneId { get; private set; } = "";

        public const string SolverPath = $"apis/{Group}/v1alpha1/route53";

        public async Task InitializeAsync()
        {
            Kubernetes = await FakeKubernetesApi.StartAsync();
            Kubernetes.Authorization = Authorization;
            Authorization.ConfigMapData = FakeKubernetesAuthorization.AuthenticationConfigMap(
                FrontProxyCertificates.Pem(_certificates.FrontProxyCa), "front-proxy-client");
            Authorization.Policy = review => (review.User == CertManager, "");
            Kubernetes.AddSecret("team-a", "route53", new Dictionary<string, string> { ["access-key-id"] = IssuerKey, ["secret-access-key"] = IssuerSecret });
            Kubernetes.AddServiceAccount("team-b", "route53-solver", WebIdentityToken);

            Route53 = await FakeRoute53.StartAsync();
            Route53.AddCredentials(AmbientKey, AmbientSecret);
            Route53.AddCredentials(IssuerKey, IssuerSecret);
            ZoneId = Route53.AddZone("example.com");

            Sts = await FakeSts.StartAsync();
            Sts.AllowRole(Role);
            Sts.AcceptWebIdentityToken(WebIdentityToken);
            Sts.Issuing = issued => Route53.AddCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken);

            var kubeconfig = Path.Combine(_directory.Path, "kubeconfig");
            TestKubeconfig.Write(kubeconfig, Kubernetes.BaseAddress);
            var port = Ports.Free();
            _address = new Uri($"https://127.0.0.1:{port}/");
            _server = RunningServer.Start(_directory.Path,
            [
                "--bind-address=127.0.0.1",
                $"--secure-port={port}",
                "--metrics-port=0",
                $"--tls-cert-file={_certificates.ServingCertFile}",
                $"--tls-private-key-file={_certificates.ServingKeyFile}",
                $"--group-name={Group}",
                $"--kubeconfig={kubeconfig}",
                $"--Route53:Endpoint={Route53.Endpoint}",
            ], new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = AmbientKey,
                ["AWS_SECRET_ACCESS_KEY"] = AmbientSecret,
                ["AWS_REGION"] = "us-east-1",
                ["AWS_ENDPOINT_URL_STS"] = Sts.BaseAddress.ToString(),
                ["POD_NAME"] = PodName,
                ["POD_NAMESPACE"] = Namespace,
            });

            using var http = Client(clientCertificate: false, user: null);
            await Poll.UntilAsync(() => Healthy(http), TimeSpan.FromSeconds(60), $"{ServerCommand.Server} serves /healthz");
        }

        private static bool Healthy(HttpClient http)
        {
            try
            {
                using var answer = http.GetAsync("healthz").GetAwaiter().GetResult();
                return answer.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }

        /// <summary>A client as the aggregator is one (its front-proxy certificate and identity headers), or without the certificate.</summary>
        public HttpClient Client(bool clientCertificate, string? user)
        {
            var handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, certificate, _, _) => _certificates.IsServingCertificate(certificate),
                },
            };
            if (clientCertificate)
            {
                var certificate = _certificates.Issue(_certificates.FrontProxyCa, "front-proxy-client");
                handler.SslOptions.ClientCertificates = new X509CertificateCollection { certificate };
                handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
            }

            var http = new HttpClient(handler) { BaseAddress = _address, Timeout = TimeSpan.FromSeconds(60) };
            if (user is not null)
            {
                http.DefaultRequestHeaders.Add("X-Remote-User", user);
                http.DefaultRequestHeaders.Add("X-Remote-Group", "system:serviceaccounts");
            }

            return http;
        }

        public static JsonObject Payload(string action, string fqdn, string key, string resourceNamespace, bool ambient, JsonObject config) => new()
        {
            ["apiVersion"] = "acme.cert-manager.io/v1alpha1",
            ["kind"] = "ChallengePayload",
            ["request"] = new JsonObject
            {
                ["uid"] = Guid.NewGuid().ToString(),
                ["action"] = action,
                ["type"] = "dns-01",
                ["dnsName"] = fqdn["_acme-challenge.".Length..].TrimEnd('.'),
                ["key"] = key,
                ["resourceNamespace"] = resourceNamespace,
                ["resolvedFQDN"] = fqdn,
                ["resolvedZone"] = "example.com.",
                ["allowAmbientCredentials"] = ambient,
                ["config"] = config,
            },
        };

        /// <summary>One webhook call as cert-manager makes it; the answer's <c>response</c>.</summary>
        public async Task<JsonObject> SendAsync(string action, string fqdn, string key, string resourceNamespace, bool ambient, JsonObject config)
        {
            using var http = Client(clientCertificate: true, CertManager);
            using var answer = await http.PostAsJsonAsync(SolverPath, Payload(action, fqdn, key, resourceNamespace, ambient, (JsonObject)config.DeepClone()));
            var text = await answer.Content.ReadAsStringAsync();
            answer.StatusCode.Should().Be(HttpStatusCode.Created, text);
            return (JsonObject)JsonNode.Parse(text)!["response"]!;
        }

        public async Task DisposeAsync()
        {
            await _server.DisposeAsync();
            await Route53.DisposeAsync();
            await Sts.DisposeAsync();
            await Kubernetes.DisposeAsync();
        }

        /// <summary>xunit calls it after <see cref="DisposeAsync"/>.</summary>
        public void Dispose()
        {
            _certificates.Dispose();
            _directory.Dispose();
        }
    }
}
