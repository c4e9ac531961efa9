using Microsoft.Extensions.DependencyInjection.Extensions;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Credentials;

internal static class CredentialsExtensions
{
    /// <summary>
    /// The credential chain behind <see cref="ICredentialSource"/>, with the Kubernetes access it reads Secrets and
    /// ServiceAccount tokens through. The pod's AWS environment is read once, at first use.
    /// </summary>
    public static IServiceCollection AddAwsCredentials(this IServiceCollection services)
    {
        services.AddKubernetesClient();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => AwsEnvironment.FromProcess());
        services.TryAddSingleton<SecurityTokenService>();
        services.TryAddSingleton<AmbientCredentials>();
        services.AddMetrics();
        services.TryAddSingleton<CredentialMetrics>();
        services.TryAddSingleton<StsCredentialCache>();
        services.TryAddSingleton<ICredentialSource, AwsCredentialChain>();
        return services;
    }
}
