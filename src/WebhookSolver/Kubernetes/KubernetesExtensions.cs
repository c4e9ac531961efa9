using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using k8s;

namespace WebhookSolver.Kubernetes;

internal static class KubernetesExtensions
{
    /// <summary>
    /// The Kubernetes API client: from <c>--kubeconfig</c> when given, else the in-cluster service account.
    /// Created on first use, so local mode starts without a cluster.
    /// </summary>
    public static IServiceCollection AddKubernetesClient(this IServiceCollection services)
    {
        services.AddOptions<KubernetesClientOptions>();
        services.TryAddSingleton(provider => new KubernetesResources(provider.GetRequiredService<IKubernetes>));
        services.TryAddSingleton<IKubernetes>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<KubernetesClientOptions>>().Value;
            var configuration = string.IsNullOrWhiteSpace(options.Kubeconfig)
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig);
            return new k8s.Kubernetes(configuration);
        });
        return services;
    }
}
