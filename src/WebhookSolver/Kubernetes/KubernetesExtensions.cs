using k8s;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WebhookSolver.Hosting;

namespace WebhookSolver.Kubernetes;

public static class KubernetesExtensions
{
    /// <summary>
    /// The Kubernetes API client: from <c>--kubeconfig</c> when given, else the in-cluster service account.
    /// Created on first use, so local mode starts without a cluster.
    /// </summary>
    public static IServiceCollection AddKubernetesClient(this IServiceCollection services)
    {
        services.TryAddSingleton<IKubernetes>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<WebhookOptions>>().Value;
            var configuration = string.IsNullOrWhiteSpace(options.Kubeconfig)
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig);
            return new k8s.Kubernetes(configuration);
        });
        return services;
    }
}
