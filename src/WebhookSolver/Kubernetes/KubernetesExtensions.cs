using System.Security.Cryptography;
using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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
        // KubernetesApi is the replaceable registration (tests put a fake's client there); code reaches it only
        // through KubernetesConnection, which resolves it on first use.
        services.TryAddSingleton(provider => new KubernetesConnection(provider.GetRequiredService<KubernetesApi>));
        services.TryAddSingleton<KubernetesResources>();
        services.TryAddSingleton(provider => Connect(provider.GetRequiredService<IOptions<KubernetesClientOptions>>().Value.Kubeconfig));
        return services;
    }

    /// <summary>
    /// Lease-based membership (<see cref="ReplicaLeases"/>): the replicas of one deployment count each other so that
    /// they can split Route53's per-account budget. In local mode there are no Leases and the replica is alone.
    /// </summary>
    public static IServiceCollection AddReplicaLeases(this IServiceCollection services)
    {
        services.AddKubernetesClient();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ReplicaLeaseOptions>()
            .BindConfigurationWithDurations(ReplicaLeaseOptions.Section, static (section, options) => section.Bind(options))
            .Configure<IConfiguration>((options, configuration) =>
            {
                options.PodName ??= configuration["POD_NAME"];
                options.PodNamespace ??= configuration["POD_NAMESPACE"];
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicaLeaseOptions>, ReplicaLeaseOptionsValidator>());
        services.AddOptions<ReplicaDeploymentOptions>();
        services.TryAddSingleton(provider =>
            new ReplicaMembership(provider.GetRequiredService<IOptions<ReplicaDeploymentOptions>>().Value.Local ? 1 : null));
        services.AddMetrics();
        services.TryAddSingleton<ReplicaMetrics>();
        services.TryAddSingleton<ReplicaLeases>();
        services.AddHostedService(provider => provider.GetRequiredService<ReplicaLeases>());
        return services;
    }

    /// <summary>The client for <paramref name="kubeconfig"/>, or the in-cluster configuration without one.</summary>
    /// <exception cref="KubernetesUnavailableException">there is no cluster to talk to, or the kubeconfig cannot be used</exception>
    internal static KubernetesApi Connect(string? kubeconfig)
    {
        var configuration = ClientConfiguration(kubeconfig);
        try
        {
            return new KubernetesApi(configuration);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or IOException or UnauthorizedAccessException)
        {
            // The client certificate and key are read here: a file that is gone, or data that is not PEM.
            throw string.IsNullOrWhiteSpace(kubeconfig)
                ? new KubernetesUnavailableException($"the in-cluster Kubernetes configuration cannot be used ({e.GetType().Name})", e)
                : Unusable(kubeconfig, e);
        }
    }

    /// <exception cref="KubernetesUnavailableException">there is no cluster to talk to, or the kubeconfig cannot be used</exception>
    internal static KubernetesClientConfiguration ClientConfiguration(string? kubeconfig)
    {
        if (string.IsNullOrWhiteSpace(kubeconfig))
        {
            if (!KubernetesClientConfiguration.IsInCluster())
            {
                throw new KubernetesUnavailableException(
                    "the webhook is not running in a Kubernetes cluster (KUBERNETES_SERVICE_HOST or the service account token is " +
                        "missing): pass --kubeconfig=<file>");
            }

            try
            {
                return KubernetesClientConfiguration.InClusterConfig();
            }
            catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException)
            {
                throw new KubernetesUnavailableException($"the pod's service account token or CA cannot be read ({e.GetType().Name}): check " +
                    "automountServiceAccountToken, or pass --kubeconfig=<file>", e);
            }
        }

        if (!File.Exists(kubeconfig))
        {
            throw new KubernetesUnavailableException($"--kubeconfig {kubeconfig} does not exist: give the path of a kubeconfig file, or leave " +
                "the flag out inside a cluster");
        }

        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Unusable(kubeconfig, e);
        }
    }

    /// <remarks>The library's text may quote the file (tokens, keys): the exception's type says enough.</remarks>
    private static KubernetesUnavailableException Unusable(string kubeconfig, Exception e) =>
        new($"--kubeconfig {kubeconfig} is not a usable kubeconfig ({e.GetType().Name}): check it with kubectl " +
            $"--kubeconfig {kubeconfig} get --raw /version", e);
}
