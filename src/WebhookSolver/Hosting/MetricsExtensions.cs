using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace WebhookSolver.Hosting;

internal sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Plain-HTTP port that serves only /metrics; 0 turns it off.</summary>
    public int Port { get; set; } = 9402;
}

internal static class MetricsExtensions
{
    public static IServiceCollection AddWebhookMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section))
            .Validate(options => options.Port is >= 0 and <= 65535, "--metrics-port must be between 0 and 65535")
            .ValidateOnStart();
        
        services.TryAddSingleton<PrometheusExporter>();
        return services;
    }

    /// <summary>
    /// Connections to the metrics port see /metrics and nothing else (no solver, no discovery), so the plain
    /// port can be scraped without a client certificate. Runs first in the pipeline.
    /// </summary>
    public static WebApplication UseMetricsPort(this WebApplication app)
    {
        var port = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Port;
        var exporter = app.Services.GetRequiredService<PrometheusExporter>();
        app.Use(async (context, next) =>
        {
            if (port == 0 || context.Connection.LocalPort != port)
            {
                await next(context);
                return;
            }

            if (context.Request.Path == "/metrics" && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.ContentType = PrometheusExporter.ContentType;
                await context.Response.WriteAsync(exporter.Export());
                return;
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
        });
        return app;
    }

    /// <summary>/metrics on the secure port too (behind authentication like every other path).</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Export(), PrometheusExporter.ContentType))
            .ExcludeFromDescription();
        return app;
    }
}
