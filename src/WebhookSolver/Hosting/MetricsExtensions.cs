using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace WebhookSolver.Hosting;

/// <summary>
/// Exports the <see cref="WebhookMeter.Name"/> meter in the Prometheus text format through OpenTelemetry's
/// exporter, on the secure port's /metrics and on the plain metrics port.
/// </summary>
internal static class MetricsExtensions
{
    public const string Path = "/metrics";

    public static IServiceCollection AddWebhookMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section))
            .Validate(options => options.Port is >= 0 and <= 65535, "--metrics-port must be between 0 and 65535")
            .ValidateOnStart();

        // Only meters made by this container's IMeterFactory (MeterScope.Local) are exported, so several servers
        // in one process (the tests) each publish their own measurements.
        services.AddMetrics(metrics => metrics.EnableMetrics(WebhookMeter.Name, instrumentName: null, listenerName: "OpenTelemetry",
            MeterScope.Local));
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter(prometheus =>
        {
            prometheus.ScrapeEndpointPath = Path;
            // A scrape reads current values; the exporter's default keeps an answer for 300 ms.
            prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
            // The series carry only their own labels (no otel_scope_name, no target_info series), as dashboards expect.
            prometheus.ScopeInfoEnabled = false;
            prometheus.TargetInfoEnabled = false;
        }));
        return services;
    }

    /// <summary>
    /// Connections to the metrics port see /metrics and nothing else (no solver, no discovery), so the plain
    /// port can be scraped without a client certificate. Runs first in the pipeline.
    /// </summary>
    public static WebApplication UseMetricsPort(this WebApplication app)
    {
        var port = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Port;
        if (port == 0)
        {
            return app;
        }

        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Connection.LocalPort == port && context.Request.Path == Path && HttpMethods.IsGet(context.Request.Method));
        app.Use((context, next) =>
        {
            if (context.Connection.LocalPort != port)
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }

    /// <summary>/metrics on the secure port too (behind authentication like every other path).</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(Path).ExcludeFromDescription();
        return app;
    }
}
