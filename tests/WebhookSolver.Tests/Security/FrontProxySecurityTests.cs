using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using WebhookSolver.Kubernetes;
using WebhookSolver.Security;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Security;

/// <summary>
/// Who may make the webhook act, over real TLS on loopback: each case presents some certificate (or none) and
/// some identity headers, and expects a status, a message, and whether a SubjectAccessReview was asked.
/// </summary>
public sealed class FrontProxySecurityTests(SecureServerFixture fixture) : IClassFixture<SecureServerFixture>
{
    private const string Solver = SecureWebhookFactory.SolverPath;
    private const string Discovery = "/apis/acme.example.com/v1alpha1";

    public enum Cert { None, FrontProxy, WrongName, UntrustedCa, Expired, NotYetValid, ServerAuthOnly, NoUsage }

    public enum Review { None, Resource, NonResource }

    public sealed record MatrixCase(
        string Method, string Path, Cert Cert, string? User, string[] Groups, int Status, string Message, Review Review,
        bool ReviewApiDown = false, bool Http2 = false);

    private static readonly string[] Masters = ["system:masters"];
    private static readonly string[] CertManager = ["system:serviceaccounts:cert-manager"];

    public static readonly Dictionary<string, MatrixCase> Cases = new()
    {
        ["healthz needs no certificate"] = new("GET", "/healthz", Cert.None, null, [], 200, "ok", Review.None),
        ["livez ignores an untrusted certificate"] = new("GET", "/livez", Cert.UntrustedCa, "mallory", Masters, 200, "ok", Review.None),
        ["readyz needs no certificate"] = new("GET", "/readyz", Cert.None, null, [], 200, "ok", Review.None),
        ["solver POST without certificate"] = new("POST", Solver, Cert.None, null, [], 401, "no client certificate", Review.None),
        ["forged headers without certificate"] = new("POST", Solver, Cert.None, "system:admin", Masters, 401, "no client certificate", Review.None),
        ["forged headers on discovery without certificate"] =
            new("GET", Discovery, Cert.None, "system:kube-aggregator", Masters, 401, "no client certificate", Review.None),
        ["unknown path without certificate looks like any other"] = new("GET", "/no/such/path", Cert.None, null, [], 401, "no client certificate", Review.None),
        ["certificate from an untrusted CA with the same name"] =
            new("POST", Solver, Cert.UntrustedCa, "alice", CertManager, 401, "not signed by the requestheader", Review.None),
        ["front-proxy CA but CN not allowed"] = new("POST", Solver, Cert.WrongName, "alice", CertManager, 401,
            "\"kube-apiserver-kubelet-client\" is not one of the requestheader allowed names", Review.None),
        ["expired front-proxy certificate"] = new("POST", Solver, Cert.Expired, "alice", CertManager, 401, "expired or is not valid yet", Review.None),
        ["front-proxy certificate not valid yet"] =
            new("GET", Discovery, Cert.NotYetValid, "alice", CertManager, 401, "expired or is not valid yet", Review.None),
        ["server-auth certificate from the front-proxy CA"] =
            new("POST", Solver, Cert.ServerAuthOnly, "alice", CertManager, 401, "client authentication", Review.None),
        ["certificate without extended key usage"] = new("POST", Solver, Cert.NoUsage, "alice", CertManager, 401, "client authentication", Review.None),
        ["valid certificate without user header"] = new("POST", Solver, Cert.FrontProxy, null, CertManager, 401, "no user name header", Review.None),
        ["allowed user presents a challenge"] = new("POST", Solver, Cert.FrontProxy, "alice", CertManager, 201, "\"success\":true", Review.Resource),
        ["allowed user over HTTP/2"] = new("POST", Solver, Cert.FrontProxy, "alice-h2", CertManager, 201, "\"success\":true", Review.Resource, Http2: true),
        ["denied user presents a challenge"] = new("POST", Solver, Cert.FrontProxy, "bob", CertManager, 403,
            "forbidden: User \"bob\" cannot create resource \"route53\" in API group \"acme.example.com\" at the cluster scope", Review.Resource),
        ["denied user on an unknown path gets 403, not 404"] =
            new("GET", "/apis/other.example.com/v1", Cert.FrontProxy, "bob", [], 403, "cannot get path \"/apis/other.example.com/v1\"", Review.NonResource),
        ["allowed user on an unknown path gets 404 after authorization"] =
            new("GET", "/apis/other.example.com/v1", Cert.FrontProxy, "alice", [], 404, "NotFound", Review.NonResource),
        ["solver path spelled differently is reviewed as the resource"] =
            new("POST", "/APIS/ACME.EXAMPLE.COM/V1ALPHA1/ROUTE53/", Cert.FrontProxy, "bob-spelling", [], 403, "cannot create resource", Review.Resource),
        ["aggregator's availability probe as system:masters"] =
            new("GET", Discovery, Cert.FrontProxy, "system:kube-aggregator", Masters, 200, "APIResourceList", Review.None),
        ["discovery as an allowed user"] = new("GET", "/apis", Cert.FrontProxy, "alice", [], 200, "APIGroupList", Review.NonResource),
        ["OpenAPI as an allowed user"] = new("GET", "/openapi/v2", Cert.FrontProxy, "alice", [], 200, "\"swagger\"", Review.NonResource),
        ["OpenAPI as a denied user"] = new("GET", "/openapi/v2", Cert.FrontProxy, "bob", [], 403, "cannot get path \"/openapi/v2\"", Review.NonResource),
        ["review API down denies"] =
            new("POST", Solver, Cert.FrontProxy, "alice-when-api-down", CertManager, 403, "could not be made", Review.Resource, ReviewApiDown: true),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task RequestIsAnsweredAsTheMatrixSays(string name)
    {
        var c = Cases[name];
        var reviewsBefore = fixture.Kubernetes.Reviews.Count;
        var solverCallsBefore = fixture.Factory.Solver.Calls.Count;
        fixture.Kubernetes.ReviewStatus = c.ReviewApiDown ? 503 : null;
        try
        {
            using var client = fixture.Factory.CreateTlsClient(Certificate(c.Cert), c.Http2 ? HttpVersion.Version20 : HttpVersion.Version11);
            using var request = SecureServerFixture.Request(new HttpMethod(c.Method), c.Path, c.User, c.Groups,
                c.Method == "POST" ? SecureServerFixture.ValidPayload() : null);
            request.Version = client.DefaultRequestVersion;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            ((int)response.StatusCode).Should().Be(c.Status, body);
            if (c.Http2)
            {
                response.Version.Should().Be(HttpVersion.Version20);
            }

            if (c.Status is 401 or 403)
            {
                var status = JsonNode.Parse(body)!;
                ((string?)status["kind"]).Should().Be("Status");
                ((int?)status["code"]).Should().Be(c.Status);
                ((string?)status["reason"]).Should().Be(c.Status == 401 ? "Unauthorized" : "Forbidden");
                ((string?)status["message"]).Should().Contain(c.Message);
                fixture.Factory.Solver.Calls.Count.Should().Be(solverCallsBefore, "a refused request never reaches the solver");
            }
            else
            {
                body.Should().Contain(c.Message);
            }
        }
        finally
        {
            fixture.Kubernetes.ReviewStatus = null;
        }

        var reviews = fixture.Kubernetes.Reviews.Skip(reviewsBefore).ToList();
        if (c.Review == Review.None)
        {
            reviews.Should().BeEmpty();
            return;
        }

        if (c.ReviewApiDown)
        {
            return;
        }

        var review = reviews.Should().ContainSingle().Subject;
        review.User.Should().Be(c.User);
        review.Groups.Should().Equal([.. c.Groups, "system:authenticated"]);
        if (c.Review == Review.Resource)
        {
            review.NonResourceAttributes.Should().BeNull();
            review.ResourceAttributes!.ToJsonString().Should().Be(
                """{"group":"acme.example.com","resource":"route53","verb":"create","version":"v1alpha1"}""");
        }
        else
        {
            review.ResourceAttributes.Should().BeNull();
            ((string?)review.NonResourceAttributes!["verb"]).Should().Be("get");
            ((string?)review.NonResourceAttributes["path"]).Should().Be(c.Path);
        }
    }

    [Fact]
    public void TheMatrixCoversAtLeastFifteenCases() => Cases.Should().HaveCountGreaterThanOrEqualTo(15);

    [Fact]
    public async Task AnUnauthenticatedCallerCannotTellAnExistingPathFromAMissingOne()
    {
        using var client = fixture.Factory.CreateTlsClient(null);
        var bodies = new List<string>();
        foreach (var path in new[] { Solver, Discovery, "/apis", "/openapi/v2", "/no/such/path", "/metrics" })
        {
            using var response = await client.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, path);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        bodies.Distinct().Should().ContainSingle();
    }

    [Fact]
    public async Task ABurstOfChallengesFromOneUserCostsOneReview()
    {
        using var client = fixture.Factory.CreateTlsClient(fixture.FrontProxyClient);
        var before = ReviewsOf("alice-burst");
        for (var i = 0; i < 5; i++)
        {
            using var request = SecureServerFixture.Request(HttpMethod.Post, Solver, "alice-burst", CertManager, SecureServerFixture.ValidPayload());
            using var response = await client.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.Created);
        }

        ReviewsOf("alice-burst").Should().Be(before + 1);
    }

    [Fact]
    public async Task ADenialIsCachedToo()
    {
        using var client = fixture.Factory.CreateTlsClient(fixture.FrontProxyClient);
        for (var i = 0; i < 3; i++)
        {
            using var request = SecureServerFixture.Request(HttpMethod.Post, Solver, "bob-repeats", [], SecureServerFixture.ValidPayload());
            using var response = await client.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }

        ReviewsOf("bob-repeats").Should().Be(1);
    }

    [Fact]
    public async Task AFailedReviewIsNotCachedSoTheNextRequestAsksAgain()
    {
        using var client = fixture.Factory.CreateTlsClient(fixture.FrontProxyClient);
        fixture.Kubernetes.ReviewStatus = 500;
        try
        {
            using var first = SecureServerFixture.Request(HttpMethod.Get, "/apis", "alice-retry");
            (await client.SendAsync(first)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }
        finally
        {
            fixture.Kubernetes.ReviewStatus = null;
        }

        using var second = SecureServerFixture.Request(HttpMethod.Get, "/apis", "alice-retry");
        (await client.SendAsync(second)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task GroupsAndPercentEncodedExtrasFromSeparateHeaderLinesReachTheReview()
    {
        // Raw HTTP/1.1: the aggregator sends one header line per group and extra value, which HttpClient would join.
        var (status, _) = await fixture.Factory.SendRawHttp11Async(fixture.FrontProxyClient,
            "GET /apis HTTP/1.1\r\nHost: localhost\r\nX-Remote-User: alice-extra\r\n"
            + "X-Remote-Group: team-a\r\nX-Remote-Group: team-b\r\n"
            + "X-Remote-Extra-Authentication.Kubernetes.Io%2fPod-Name: cert-manager-7d9f\r\n"
            + "X-Remote-Extra-Scopes: read\r\nX-Remote-Extra-Scopes: write\r\nConnection: close\r\n\r\n");

        status.Should().Be(200);
        var review = fixture.Kubernetes.Reviews.Last(r => r.User == "alice-extra");
        review.Groups.Should().Equal("team-a", "team-b", "system:authenticated");
        review.Spec["extra"]!.ToJsonString().Should().Be(
            """{"authentication.kubernetes.io/pod-name":["cert-manager-7d9f"],"scopes":["read","write"]}""");
    }

    [Fact]
    public async Task DenialsAreCountedByReasonWithoutUserNames()
    {
        var meterFactory = fixture.Factory.Services.GetRequiredService<IMeterFactory>();
        var counted = new List<(string Instrument, long Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SecurityMetrics.MeterName && instrument.Meter.Scope == meterFactory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (counted)
            {
                counted.Add((instrument.Name, value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))));
            }
        });
        listener.Start();

        using (var anonymous = fixture.Factory.CreateTlsClient(null))
        {
            (await anonymous.GetAsync("/apis")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        using (var aggregator = fixture.Factory.CreateTlsClient(fixture.FrontProxyClient))
        {
            using var request = SecureServerFixture.Request(HttpMethod.Get, "/openapi/v2", "bob-metrics");
            (await aggregator.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }

        lock (counted)
        {
            counted.Should().Contain((SecurityMetrics.AuthenticationDenials, 1, "reason=no_certificate"));
            counted.Should().Contain((SecurityMetrics.AuthorizationDenials, 1, "reason=denied"));
            counted.Should().NotContain(c => c.Tags.Contains("bob", StringComparison.Ordinal));
        }
    }

    private int ReviewsOf(string user) => fixture.Kubernetes.Reviews.Count(r => r.User == user);

    private X509Certificate2? Certificate(Cert cert)
    {
        var certificates = fixture.Certificates;
        var now = DateTimeOffset.UtcNow;
        return cert switch
        {
            Cert.None => null,
            Cert.FrontProxy => fixture.FrontProxyClient,
            Cert.WrongName => certificates.Issue(certificates.FrontProxyCa, "kube-apiserver-kubelet-client"),
            Cert.UntrustedCa => certificates.Issue(certificates.UntrustedCa, SecureServerFixture.AllowedName),
            Cert.Expired
                => certificates.Issue(certificates.FrontProxyCa, SecureServerFixture.AllowedName, notBefore: now.AddDays(-30), notAfter: now.AddDays(-1)),
            Cert.NotYetValid
                => certificates.Issue(certificates.FrontProxyCa, SecureServerFixture.AllowedName, notBefore: now.AddDays(1), notAfter: now.AddDays(30)),
            Cert.ServerAuthOnly => certificates.Issue(certificates.FrontProxyCa, SecureServerFixture.AllowedName, FrontProxyCertificates.ServerAuth),
            Cert.NoUsage => certificates.Issue(certificates.FrontProxyCa, SecureServerFixture.AllowedName, usage: null),
            _ => throw new ArgumentOutOfRangeException(nameof(cert)),
        };
    }
}
