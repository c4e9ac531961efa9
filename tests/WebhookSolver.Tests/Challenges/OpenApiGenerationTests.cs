using System.Text.Json.Nodes;
using WebhookSolver.Challenges;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Challenges;

/// <summary>
/// The served Swagger 2.0 document is generated ahead of time (the AOT executable has no generator): the file in the
/// repository must be what the generator makes of the endpoints today, and the server must serve exactly that.
/// </summary>
public sealed class OpenApiGenerationTests
{
    private const string DocumentFile = "src/WebhookSolver/Challenges/openapi-v2.json";

    /// <summary>Set to 1 by build/openapi.sh: the first test then writes the fresh generation to the file.</summary>
    private const string UpdateVariable = "WEBHOOK_OPENAPI_UPDATE";

    [Fact]
    public void TheDocumentInTheRepositoryIsAFreshGenerationFromTheEndpoints()
    {
        using var factory = new WebhookFactory();
        factory.Settings["Webhook:GroupName"] = OpenApiExtensions.GeneratedFor.GroupName;
        factory.Settings["Webhook:SolverName"] = OpenApiExtensions.GeneratedFor.SolverName;
        var fresh = OpenApiExtensions.Generate(factory.Services);
        var file = Path.Combine(TestData.RepositoryRoot, DocumentFile);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(file, fresh);
        }

        File.ReadAllText(file).ReplaceLineEndings("\n").Should().Be(fresh,
            $"{DocumentFile} must be regenerated with build/openapi.sh after an endpoint or schema change");
    }

    [Fact]
    public async Task TheServedDocumentIsAFreshGenerationForTheGroupAndSolverInForce()
    {
        using var factory = new WebhookFactory();
        factory.Settings["Webhook:GroupName"] = "dns.example.org";
        factory.Settings["Webhook:SolverName"] = "r53";
        using var client = factory.CreateClient();

        var served = JsonNode.Parse(await client.GetStringAsync(new Uri("/openapi/v2", UriKind.Relative)))!;
        var fresh = JsonNode.Parse(OpenApiExtensions.Generate(factory.Services))!;

        served["paths"]!.AsObject().Select(path => path.Key).Should().Equal("/apis/dns.example.org/v1alpha1/r53");
        JsonNode.DeepEquals(served, fresh).Should().BeTrue($"the served document should be the generator's; served:\n{served}\nfresh:\n{fresh}");
    }

    [Fact]
    public void TheServedDocumentKeepsTheGeneratedOneApartFromTheSolversPath()
    {
        var generated = JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.RepositoryRoot, DocumentFile)))!.AsObject();
        var served = JsonNode.Parse(OpenApiExtensions.ServedDocument(new ChallengeOptions { GroupName = "dns.example.org", SolverName = "r53" }))!.AsObject();

        var generatedPaths = generated["paths"]!.AsObject();
        var servedPaths = served["paths"]!.AsObject();
        JsonNode.DeepEquals(servedPaths["/apis/dns.example.org/v1alpha1/r53"], generatedPaths["/apis/acme.example.com/v1alpha1/route53"]).Should().BeTrue();
        generated.Remove("paths");
        served.Remove("paths");
        JsonNode.DeepEquals(served, generated).Should().BeTrue();
    }
}
