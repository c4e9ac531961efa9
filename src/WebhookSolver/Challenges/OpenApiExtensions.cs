using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace WebhookSolver.Challenges;

/// <summary>
/// <c>/openapi/v2</c>: the Swagger 2.0 document the aggregator fetches every minute and merges into the
/// cluster's spec (a missing one fills the apiserver log with errors). <c>/openapi/v3</c> is not served (404),
/// which the aggregator accepts. Swagger UI is served in local mode only.
/// </summary>
internal static class OpenApiExtensions
{
    private const string DocumentName = "v2";

    internal const string WrapStyle =
        ".swagger-ui .microlight, .swagger-ui .microlight code, .swagger-ui .highlight-code pre "
        + "{ white-space: pre-wrap !important; word-break: break-word !important; overflow-wrap: anywhere; }";

    public static IServiceCollection AddChallengeOpenApi(this IServiceCollection services)
    {
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
        app.UseSwagger(swagger =>
        {
            swagger.RouteTemplate = "openapi/{documentName}";
            swagger.OpenApiVersion = OpenApiSpecVersion.OpenApi2_0;
        });

        if (app.Services.GetRequiredService<IOptions<ChallengeOptions>>().Value.ServeOpenApi)
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
}
