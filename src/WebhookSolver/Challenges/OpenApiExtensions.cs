using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.Swagger;

namespace WebhookSolver.Challenges;

/// <summary>
/// <c>/openapi/v2</c>: the Swagger 2.0 document the aggregator fetches every minute and merges into the
/// cluster's spec (a missing one fills the apiserver log with errors). <c>/openapi/v3</c> is not served (404),
/// which the aggregator accepts. Swagger UI is served in local mode only.
/// </summary>
/// <remarks>
/// Swashbuckle's generator reads the endpoints' types by reflection, which the Native AOT executable does not keep.
/// So the document is generated ahead of time from these registrations (<c>build/openapi.sh</c> writes
/// <c>openapi-v2.json</c>, a test fails when it is stale) and every build serves that file, with the solver's path
/// put in for the group and solver name in force.
/// </remarks>
internal static class OpenApiExtensions
{
    private const string DocumentName = "v2";

    internal const string WrapStyle =
        ".swagger-ui .microlight, .swagger-ui .microlight code, .swagger-ui .highlight-code pre "
        + "{ white-space: pre-wrap !important; word-break: break-word !important; overflow-wrap: anywhere; }";

    /// <summary>The settings <c>openapi-v2.json</c> is generated with: local mode's defaults.</summary>
    public static ChallengeOptions GeneratedFor { get; } = new() { GroupName = "acme.example.com", SolverName = "route53" };

    public static IServiceCollection AddChallengeOpenApi(this IServiceCollection services)
    {
        if (!OpenApiGeneration.IsSupported)
        {
            return services;
        }

        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "cert-manager Route53 webhook solver",
                Version = DiscoveryEndpoints.Version,
                Description = "cert-manager DNS01 webhook solver (acme.cert-manager.io webhook protocol) for AWS Route53",
            });
            swagger.CustomSchemaIds(type => type.Name);
            swagger.SchemaFilter<ChallengeSchemaFilter>();
        });
        return services;
    }

    public static WebApplication MapOpenApi(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ChallengeOptions>>().Value;
        // Built on the first request: start-up does not wait for it.
        var document = new Lazy<byte[]>(() => ServedDocument(options));
        app.MapGet($"/openapi/{DocumentName}", () => Results.Bytes(document.Value, "application/json"))
            .ExcludeFromDescription();

        if (options.ServeOpenApi)
        {
            app.UseSwaggerUI(ui =>
            {
                ui.RoutePrefix = "swagger";
                ui.SwaggerEndpoint($"/openapi/{DocumentName}", "route53 solver");
                // A failure's status.message is one long line: wrap it in the answer and example panes.
                ui.HeadContent = $"<style>{WrapStyle}</style>";
            });
        }

        return app;
    }

    /// <summary>
    /// The Swagger 2.0 document of the endpoints <paramref name="services"/> maps, freshly generated: what
    /// <c>openapi-v2.json</c> holds when generated for <see cref="GeneratedFor"/>. Not available in the AOT executable.
    /// </summary>
    public static string Generate(IServiceProvider services)
    {
        if (!OpenApiGeneration.IsSupported)
        {
            throw new InvalidOperationException("this build has no OpenAPI generator (Native AOT); generate the document with build/openapi.sh");
        }

        var document = services.GetRequiredService<ISwaggerProvider>().GetSwagger(DocumentName);
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        document.SerializeAsV2(new OpenApiJsonWriter(text));
        text.WriteLine();
        return text.ToString();
    }

    /// <summary>The generated document with the solver's path for <paramref name="options"/> in place of the generated one.</summary>
    public static byte[] ServedDocument(ChallengeOptions options)
    {
        using var stream = typeof(OpenApiExtensions).Assembly.GetManifestResourceStream("openapi-v2.json")
            ?? throw new InvalidOperationException("the OpenAPI document is not embedded in this build");
        var document = JsonNode.Parse(stream)!.AsObject();
        var generatedPath = ChallengeEndpoints.SolverPath(GeneratedFor);
        if (document["paths"] is not JsonObject paths || !paths.ContainsKey(generatedPath))
        {
            throw new InvalidOperationException($"the embedded OpenAPI document has no path {generatedPath}; regenerate it with build/openapi.sh");
        }

        // Rebuilt in order, so the solver's path stays where the generator put it.
        var served = new JsonObject();
        foreach (var (path, item) in paths.ToList())
        {
            paths.Remove(path);
            served[path == generatedPath ? ChallengeEndpoints.SolverPath(options) : path] = item;
        }

        document["paths"] = served;
        using var bytes = new MemoryStream();
        using (var writer = new Utf8JsonWriter(bytes, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            document.WriteTo(writer);
        }

        return bytes.ToArray();
    }
}

/// <summary>
/// Whether this build can generate the OpenAPI document: true under the JIT, false in the Native AOT executable,
/// where the publish sets the switch and the compiler drops the generator with it.
/// </summary>
internal static class OpenApiGeneration
{
    public const string Switch = "WebhookSolver.OpenApiGeneration.IsSupported";

    [FeatureSwitchDefinition(Switch)]
    public static bool IsSupported => !AppContext.TryGetSwitch(Switch, out var supported) || supported;
}
