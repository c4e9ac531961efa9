using System.Net;
using System.Text.Json.Nodes;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Challenges;

public sealed class DiscoveryTests : IDisposable
{
    private readonly WebhookFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(string path, string? accept = null)
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task TheResourceListIsTheDocumentTheAggregatorProbes()
    {
        var (status, body) = await GetAsync("/apis/acme.example.com/v1alpha1");

        status.Should().Be(HttpStatusCode.OK);
        var expected = JsonNode.Parse("""
            {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"acme.example.com/v1alpha1",
             "resources":[{"name":"route53","singularName":"route53","namespaced":false,
                           "kind":"ChallengePayload","verbs":["create"]}]}
            """);
        JsonNode.DeepEquals(body, expected).Should().BeTrue($"got {body!.ToJsonString()}");
    }

    [Fact]
    public async Task TheGroupListsItsOnlyVersionAsPreferred()
    {
        var (status, body) = await GetAsync("/apis/acme.example.com");

        status.Should().Be(HttpStatusCode.OK);
        var expected = JsonNode.Parse("""
            {"kind":"APIGroup","apiVersion":"v1","name":"acme.example.com",
             "versions":[{"groupVersion":"acme.example.com/v1alpha1","version":"v1alpha1"}],
             "preferredVersion":{"groupVersion":"acme.example.com/v1alpha1","version":"v1alpha1"}}
            """);
        JsonNode.DeepEquals(body, expected).Should().BeTrue($"got {body!.ToJsonString()}");
    }

    [Fact]
    public async Task TheGroupListNamesTheGroup()
    {
        var (status, body) = await GetAsync("/apis");

        status.Should().Be(HttpStatusCode.OK);
        body!["kind"]!.GetValue<string>().Should().Be("APIGroupList");
        body["apiVersion"]!.GetValue<string>().Should().Be("v1");
        body["groups"]![0]!["name"]!.GetValue<string>().Should().Be("acme.example.com");
    }

    [Theory]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," +
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")]
    public async Task AnAggregatedDiscoveryOnlyAcceptIsAnswered406(string accept)
    {
        var (status, body) = await GetAsync("/apis", accept);

        status.Should().Be(HttpStatusCode.NotAcceptable);
        body!["kind"]!.GetValue<string>().Should().Be("Status");
    }

    [Theory]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")]
    [InlineData("application/json, */*")]
    [InlineData("*/*")]
    public async Task AnAcceptThatAlsoTakesPlainJsonGetsTheDocument(string accept)
    {
        var (status, body) = await GetAsync("/apis", accept);

        status.Should().Be(HttpStatusCode.OK);
        body!["kind"]!.GetValue<string>().Should().Be("APIGroupList");
    }

    [Fact]
    public async Task DiscoveryRefusesWritesWith405()
    {
        using var client = _factory.CreateClient();
        using var response = await client.PostAsync("/apis/acme.example.com/v1alpha1", null);

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["kind"]!.GetValue<string>().Should().Be("Status");
    }

    [Fact]
    public async Task AnotherGroupIsNotFound()
    {
        var (status, body) = await GetAsync("/apis/other.example.com");

        status.Should().Be(HttpStatusCode.NotFound);
        body!["kind"]!.GetValue<string>().Should().Be("Status");
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/livez")]
    [InlineData("/readyz")]
    public async Task HealthPathsAnswerOk(string path)
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("ok");
    }

    [Fact]
    public async Task OpenApiV2IsASwagger2DocumentDescribingTheSolver()
    {
        var (status, body) = await GetAsync("/openapi/v2");

        status.Should().Be(HttpStatusCode.OK);
        body!["swagger"]!.GetValue<string>().Should().Be("2.0");
        var post = body["paths"]!["/apis/acme.example.com/v1alpha1/route53"]!["post"]!;
        post["operationId"]!.GetValue<string>().Should().Be("createChallengePayload");
        post["responses"]!.AsObject().ContainsKey("201").Should().BeTrue();
        var definitions = body["definitions"]!.AsObject();
        definitions.Should().ContainKeys("ChallengePayload", "ChallengeRequest", "ChallengeResponse");
        definitions["ChallengeRequest"]!["properties"]!.AsObject().Should()
            .ContainKeys("uid", "action", "dnsName", "key", "resourceNamespace", "resolvedFQDN", "resolvedZone", "allowAmbientCredentials", "config");
        body.ToJsonString().Should().NotContain("\"openapi\"", "a Swagger 2.0 document has no openapi field");
    }

    [Fact]
    public async Task OpenApiV3IsNotServed()
    {
        var (status, _) = await GetAsync("/openapi/v3");

        status.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SwaggerUiIsServedInLocalMode()
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync("/swagger/index.html");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain("swagger-ui");
    }
}
