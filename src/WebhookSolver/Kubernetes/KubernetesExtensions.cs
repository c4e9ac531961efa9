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

    /// <summary>
    /// Lease-based membership (<see cref="ReplicaLeases"/>): the replicas of one deployment count each other so that
    /// they can split Route53's per-account budget. In local mode there are no Leases and the replica is alone.
    /// </summary>
    public static IServiceCollection AddReplicaLeases(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ReplicaLeaseOptions>()
            .BindConfiguration(ReplicaLeaseOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
            {
                options.PodName ??= configuration["POD_NAME"];
                options.PodNamespace ??= configuration["POD_NAMESPACE"];
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicaLeaseOptions>, ReplicaLeaseOptionsValidator>());
        services.TryAddSingleton(provider =>
            new ReplicaMembership(provider.GetRequiredService<IOptions<ReplicaLeaseOptions>>().Value.Local ? 1 : null));
        services.AddMetrics();
        services.TryAddSingleton<ReplicaMetrics>();
        services.TryAddSingleton<ReplicaLeases>();
        services.AddHostedService(provider => provider.GetRequiredService<ReplicaLeases>());
        return services;
    }
}
