using Microsoft.Extensions.DependencyInjection.Extensions;
using WebhookSolver.Hosting;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Credentials;

public static class CredentialsExtensions
{
    /// <summary>
    /// The credential chain behind <see cref="ICredentialSource"/>. Needs <c>AddKubernetesClient</c> for Secrets
    /// and ServiceAccount tokens. The pod's AWS environment is read once, at first use.
    /// </summary>
    public static IServiceCollection AddAwsCredentials(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => AwsEnvironment.FromProcess());
        services.TryAddSingleton(provider => new KubernetesResources(provider.GetRequiredService<k8s.IKubernetes>));
        services.TryAddSingleton<SecurityTokenService>();
        services.TryAddSingleton<AmbientCredentials>();
        services.AddMetrics();
        services.TryAddSingleton<WebhookMetrics>();
        services.TryAddSingleton<StsCredentialCache>();
        services.TryAddSingleton<ICredentialSource, AwsCredentialChain>();
        return services;
    }
}
