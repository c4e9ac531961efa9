using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Security;

internal static class SecurityExtensions
{
    /// <summary>Front-proxy authentication, SubjectAccessReview authorization and their start-up trust check.</summary>
    public static IServiceCollection AddWebhookSecurity(this IServiceCollection services)
    {
        services.AddOptions<WebhookSecurityOptions>()
            .BindConfigurationWithDurations(WebhookSecurityOptions.Section, static (section, options) => section.Bind(options))
            .Validate(o => o.AuthorizationCacheTtl >= TimeSpan.Zero, "--authorization-cache-ttl must not be negative (0 disables the cache)")
            .Validate(o => o.TrustReloadInterval > TimeSpan.Zero, "Authentication:TrustReloadInterval must be positive")
            .ValidateOnStart();
        services.AddOptions<SecurityModeOptions>();
        services.AddKubernetesClient();
        services.AddOptions<AccessReviewOptions>()
            .Configure<IOptions<WebhookSecurityOptions>>((review, security) => review.CacheTtl = security.Value.AuthorizationCacheTtl);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<SecurityMetrics>();
        services.TryAddSingleton<RequestHeaderTrust>();
        services.AddHostedService(provider => provider.GetRequiredService<RequestHeaderTrust>());
        services.TryAddSingleton<FrontProxyAuthenticator>();
        services.TryAddSingleton<AccessReviewer>();
        return services;
    }

    /// <summary>
    /// Runs authentication and authorization ahead of every endpoint. Call it before any <c>Map…</c>/<c>Use…</c>;
    /// in local mode (loopback only, validated at start-up) it adds nothing.
    /// </summary>
    public static WebApplication UseWebhookSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<IOptions<SecurityModeOptions>>().Value.Local)
        {
            app.UseMiddleware<WebhookSecurityMiddleware>();
        }

        return app;
    }
}
