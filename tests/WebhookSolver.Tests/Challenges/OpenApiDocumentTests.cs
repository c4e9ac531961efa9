using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using WebhookSolver.Challenges;
using WebhookSolver.Solver;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Challenges;

/// <summary><c>/openapi/v2</c> as a person reads it in Swagger UI, and as "Try it out" sends it.</summary>
public sealed class OpenApiDocumentTests : IDisposable
{
    private readonly WebhookFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<JsonObject> DocumentAsync()
    {
        using var client = _factory.CreateClient();
        return JsonNode.Parse(await client.GetStringAsync(new Uri("/openapi/v2", UriKind.Relative)))!.AsObject();
    }

    /// <summary>The body Swagger UI pre-fills: the body parameter's schema example (its $ref resolved).</summary>
    private static JsonNode BodyExample(JsonObject document)
    {
        var body = document["paths"]!["/apis/acme.example.com/v1alpha1/route53"]!["post"]!["parameters"]!.AsArray()
            .Single(parameter => parameter!["in"]!.GetValue<string>() == "body")!;
        var reference = body["schema"]!["$ref"]!.GetValue<string>();
        return document["definitions"]![reference["#/definitions/".Length..]]!["example"]!;
    }

    [Fact]
    public async Task TheServedExampleSentUnchangedIsAPresentAnsweredWith201()
    {
        var example = BodyExample(await DocumentAsync());
        using var client = _factory.CreateClient();

        using var answer = await client.PostAsync(new Uri("/apis/acme.example.com/v1alpha1/route53", UriKind.Relative),
            new StringContent(example.ToJsonString(), Encoding.UTF8, "application/json"));

        answer.StatusCode.Should().Be(HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        var call = _factory.Solver.Calls.Should().ContainSingle().Which;
        call.Action.Should().Be(ChallengeAction.Present);
        call.ResolvedFQDN.Should().Be("_acme-challenge.example.com.");
        var decode = () => Route53ConfigDecoder.Decode(call.Config);
        decode.Should().NotThrow("the real solver must accept the example's config as it stands");
    }

    [Fact]
    public async Task ActionIsAnEnumOfTheTwoActions()
    {
        var action = (await DocumentAsync())["definitions"]!["ChallengeRequest"]!["properties"]!["action"]!;

        action["enum"]!.AsArray().Select(value => value!.GetValue<string>()).Should().Equal("Present", "CleanUp");
    }

    [Fact]
    public async Task EveryTypeAndFieldHasADescription()
    {
        var document = await DocumentAsync();

        var undescribed = new List<string>();
        foreach (var (name, definition) in document["definitions"]!.AsObject())
        {
            Collect(name, definition!.AsObject(), undescribed);
        }

        undescribed.Should().BeEmpty();
    }

    [Fact]
    public async Task ConfigHoldsExactlyTheFieldsTheSolverDecodes()
    {
        var config = (await DocumentAsync())["definitions"]!["ChallengeRequest"]!["properties"]!["config"]!.AsObject();

        var described = config["properties"]!.AsObject().Select(field => field.Key).ToList();

        described.Should().BeEquivalentTo(JsonNames(typeof(Route53Config)), "the Issuer's config takes exactly the fields of Route53Config");
        described.Should().Contain(["region", "hostedZoneID", "accessKeyID", "secretAccessKeySecretRef", "role", "auth"]);
        foreach (var path in LeafPaths(config))
        {
            try
            {
                Route53ConfigDecoder.Decode(ConfigWith(path));
            }
            catch (SolverException e)
            {
                // Alone a field may be incomplete (a key id without its secret); it must not be unknown.
                e.Message.Should().NotContain("unknown field", $"{string.Join('.', path)} is described, so the decoder must know it");
            }
        }
    }

    [Fact]
    public async Task SwaggerUiWrapsALongStatusMessage()
    {
        using var client = _factory.CreateClient();

        var page = await client.GetStringAsync(new Uri("/swagger/index.html", UriKind.Relative));

        page.Should().Contain(OpenApiExtensions.WrapStyle).And.Contain("white-space: pre-wrap");
    }

    private static void Collect(string path, JsonObject schema, List<string> undescribed)
    {
        if (schema.ContainsKey("$ref"))
        {
            return;
        }

        if (schema["description"] is null)
        {
            undescribed.Add(path);
        }

        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            Collect($"{path}.{name}", property!.AsObject(), undescribed);
        }
    }

    private static IEnumerable<string[]> LeafPaths(JsonObject schema, string[]? prefix = null)
    {
        foreach (var (name, property) in schema["properties"]!.AsObject())
        {
            string[] path = [.. prefix ?? [], name];
            if (property!["properties"] is not null)
            {
                foreach (var leaf in LeafPaths(property.AsObject(), path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    /// <summary>A config that sets only the field at <paramref name="path"/>.</summary>
    private static JsonElement ConfigWith(string[] path)
    {
        JsonNode node = path[^1] == "audiences" ? new JsonArray("sts.amazonaws.com") : JsonValue.Create("x");
        foreach (var name in path.Reverse())
        {
            node = new JsonObject { [name] = node };
        }

        return JsonSerializer.Deserialize<JsonElement>(node.ToJsonString());
    }

    private static IEnumerable<string> JsonNames(Type type) => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(property => property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
        .OfType<string>();
}
