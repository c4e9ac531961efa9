using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using WebhookSolver.Challenges;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Challenges;

public sealed class ChallengeEndpointTests : IDisposable
{
    private const string SolverPath = "/apis/acme.example.com/v1alpha1/route53";
    private readonly WebhookFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static string Payload(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "payloads", name));

    private async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(string body, string path = SolverPath)
    {
        using var client = _factory.CreateClient();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!);
    }

    [Theory]
    [InlineData("present-clusterissuer-secretref.json")]
    [InlineData("present-ambient-with-typemeta.json")]
    public async Task PresentIsAnswered201WithThePayloadEchoedAndASuccessfulResponse(string file)
    {
        var sent = JsonNode.Parse(Payload(file))!;

        var (status, body) = await PostAsync(Payload(file));

        status.Should().Be(HttpStatusCode.Created);
        body["apiVersion"]!.GetValue<string>().Should().Be("webhook.acme.cert-manager.io/v1alpha1");
        body["kind"]!.GetValue<string>().Should().Be("ChallengePayload");
        JsonNode.DeepEquals(body["request"], sent["request"]).Should().BeTrue("the request is echoed unchanged, config included");
        body["response"]!["uid"]!.GetValue<string>().Should().Be(sent["request"]!["uid"]!.GetValue<string>());
        body["response"]!["success"]!.GetValue<bool>().Should().BeTrue();
        body["response"]!.AsObject().ContainsKey("status").Should().BeFalse();

        var call = _factory.Solver.Calls.Should().ContainSingle().Subject;
        call.Action.Should().Be("Present");
        call.ResolvedFQDN.Should().Be(sent["request"]!["resolvedFQDN"]!.GetValue<string>());
        call.Config.Should().NotBeNull();
    }

    [Fact]
    public async Task CleanUpReachesTheSolverAsCleanUpWithItsNamespace()
    {
        var (status, body) = await PostAsync(Payload("cleanup-issuer-serviceaccount.json"));

        status.Should().Be(HttpStatusCode.Created);
        body["response"]!["success"]!.GetValue<bool>().Should().BeTrue();
        var call = _factory.Solver.Calls.Should().ContainSingle().Subject;
        call.Action.Should().Be("CleanUp");
        call.ResourceNamespace.Should().Be("team-a");
        call.AllowAmbientCredentials.Should().BeFalse();
    }

    [Fact]
    public async Task SolverFailureIsAnsweredExactlyAsCertManagerExpects()
    {
        var expected = JsonNode.Parse(Payload("response-failure.json"))!;
        var message = expected["response"]!["status"]!["message"]!.GetValue<string>();
        _factory.Solver.Failure = new SolverException(message);
        var request = new JsonObject { ["request"] = expected["request"]!.DeepClone() };

        var (status, body) = await PostAsync(request.ToJsonString());

        status.Should().Be(HttpStatusCode.Created);
        JsonNode.DeepEquals(body, expected).Should().BeTrue($"got {body.ToJsonString()}");
    }

    [Fact]
    public async Task SuccessIsAnsweredExactlyAsCertManagerExpects()
    {
        var expected = JsonNode.Parse(Payload("response-success.json"))!;
        var request = new JsonObject { ["request"] = expected["request"]!.DeepClone() };

        var (status, body) = await PostAsync(request.ToJsonString());

        status.Should().Be(HttpStatusCode.Created);
        JsonNode.DeepEquals(body, expected).Should().BeTrue($"got {body.ToJsonString()}");
    }

    [Fact]
    public async Task TheSameFailureGivesTheSameMessageOnEveryRetry()
    {
        _factory.Solver.Failure = new SolverException("hosted zone Z123 not found: check hostedZoneID");

        var first = await PostAsync(Payload("present-clusterissuer-secretref.json"));
        var second = await PostAsync(Payload("present-clusterissuer-secretref.json"));

        first.Body["response"]!["success"]!.GetValue<bool>().Should().BeFalse();
        first.Body["response"]!["status"]!["status"]!.GetValue<string>().Should().Be("Failure");
        first.Body.ToJsonString().Should().Be(second.Body.ToJsonString());
    }

    [Fact]
    public async Task AnUnexpectedExceptionFailsTheChallengeWithoutRevealingItsText()
    {
        _factory.Solver.Failure = new InvalidOperationException("AKIAPLANTEDSECRET leaked");

        var (status, body) = await PostAsync(Payload("present-clusterissuer-secretref.json"));

        status.Should().Be(HttpStatusCode.Created);
        body["response"]!["success"]!.GetValue<bool>().Should().BeFalse();
        var message = body["response"]!["status"]!["message"]!.GetValue<string>();
        message.Should().NotBeNullOrWhiteSpace().And.NotContain("AKIAPLANTEDSECRET");
    }

    [Fact]
    public async Task ASolverThatTakesTooLongIsAnsweredAsAFailureWithinTheTimeout()
    {
        _factory.Settings["Webhook:ChallengeTimeout"] = "00:00:00.200";
        _factory.Settings["Route53:Deadline"] = "00:00:00.100";
        _factory.Solver.Delay = TimeSpan.FromSeconds(30);

        var started = DateTime.UtcNow;
        var (status, body) = await PostAsync(Payload("present-clusterissuer-secretref.json"));

        status.Should().Be(HttpStatusCode.Created);
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(10));
        body["response"]!["success"]!.GetValue<bool>().Should().BeFalse();
        body["response"]!["status"]!["message"]!.GetValue<string>().Should().Contain("did not finish within");
    }

    [Fact]
    public async Task UnknownRequestFieldsAreKeptInTheEcho()
    {
        var payload = JsonNode.Parse(Payload("present-clusterissuer-secretref.json"))!;
        payload["request"]!["futureField"] = new JsonObject { ["x"] = 1 };

        var (_, body) = await PostAsync(payload.ToJsonString());

        body["request"]!["futureField"]!["x"]!.GetValue<int>().Should().Be(1);
    }

    [Theory]
    [InlineData("{not json", "not a valid ChallengePayload")]
    [InlineData("", "request body is empty")]
    [InlineData("{}", "has no request")]
    [InlineData("{\"request\":null}", "has no request")]
    [InlineData("{\"request\":{\"action\":\"Delete\"}}", "'Delete' is not supported")]
    [InlineData("{\"request\":{\"action\":\"present\"}}", "'present' is not supported")]
    [InlineData("{\"request\":{\"action\":\"Present\",\"allowAmbientCredentials\":\"yes\"}}", "$.request.allowAmbientCredentials")]
    [InlineData("[1,2,3]", "not a valid ChallengePayload")]
    public async Task MalformedRequestsAreAnswered400WithAStatusThatSaysWhy(string body, string because)
    {
        var (status, answer) = await PostAsync(body);

        status.Should().Be(HttpStatusCode.BadRequest);
        answer["kind"]!.GetValue<string>().Should().Be("Status");
        answer["status"]!.GetValue<string>().Should().Be("Failure");
        answer["code"]!.GetValue<int>().Should().Be(400);
        answer["message"]!.GetValue<string>().Should().Contain(because);
        _factory.Solver.Calls.Should().BeEmpty();
    }

    [Theory]
    [InlineData("/apis/other.example.com/v1alpha1/route53")]
    [InlineData("/apis/acme.example.com/v1alpha1/cloudflare")]
    [InlineData("/apis/acme.example.com/v1beta1/route53")]
    [InlineData("/no/such/path")]
    public async Task UnknownGroupsAndResourcesAreAnswered404Status(string path)
    {
        var (status, answer) = await PostAsync(Payload("present-clusterissuer-secretref.json"), path);

        status.Should().Be(HttpStatusCode.NotFound);
        answer["kind"]!.GetValue<string>().Should().Be("Status");
        answer["reason"]!.GetValue<string>().Should().Be("NotFound");
        _factory.Solver.Calls.Should().BeEmpty();
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task OtherVerbsOnTheSolverAreAnswered405Status(string verb)
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(verb), SolverPath);
        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        answer["kind"]!.GetValue<string>().Should().Be("Status");
        answer["code"]!.GetValue<int>().Should().Be(405);
    }

    [Fact]
    public async Task ABodyOver64KiBIsAnswered413Status()
    {
        var payload = JsonNode.Parse(Payload("present-clusterissuer-secretref.json"))!;
        payload["request"]!["key"] = new string('k', 70 * 1024);

        var (status, answer) = await PostAsync(payload.ToJsonString());

        status.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        answer["kind"]!.GetValue<string>().Should().Be("Status");
        answer["code"]!.GetValue<int>().Should().Be(413);
        _factory.Solver.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task AChunkedBodyOver64KiBIsAlsoRefused()
    {
        using var client = _factory.CreateClient();
        var big = Encoding.UTF8.GetBytes("{\"request\":{\"key\":\"" + new string('k', 70 * 1024) + "\"}}");
        using var content = new StreamContent(new MemoryStream(big));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(SolverPath, content);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task TheSolverNameSettingNamesTheResource()
    {
        _factory.Settings["Webhook:SolverName"] = "aws";

        var (status, _) = await PostAsync(Payload("present-clusterissuer-secretref.json"), "/apis/acme.example.com/v1alpha1/aws");
        var (old, _) = await PostAsync(Payload("present-clusterissuer-secretref.json"));

        status.Should().Be(HttpStatusCode.Created);
        old.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task EachChallengeIsLoggedOnceInAScopeNamingItsRecord()
    {
        _factory.Solver.Failure = new SolverException("zone not found");

        await PostAsync(Payload("cleanup-issuer-serviceaccount.json"));

        var failure = _factory.Logs.GetSnapshot().Should().ContainSingle(entry => entry.Id.Id == 2002).Subject;
        failure.Message.Should().Be("CleanUp failed: zone not found");
        failure.ScopePairs().Should().Contain(new KeyValuePair<string, object?>("Action", "CleanUp"))
            .And.Contain(new KeyValuePair<string, object?>("DnsName", "www.example.org"))
            .And.Contain(new KeyValuePair<string, object?>("ResolvedFQDN", "_acme-challenge.www.example.org."))
            .And.Contain(new KeyValuePair<string, object?>("ResolvedZone", "example.org."))
            .And.Contain(new KeyValuePair<string, object?>("ResourceNamespace", "team-a"));
    }
}
