namespace WebhookSolver.Kubernetes;

/// <summary>
/// The one way the server reaches the Kubernetes API. The client is made on first use, not at start-up, so local
/// mode and the flags-only configuration run without a cluster; a failed attempt (no kubeconfig, not in a cluster)
/// is tried again at the next use.
/// </summary>
internal sealed class KubernetesConnection(Func<KubernetesApi> connect)
{
    public KubernetesConnection(KubernetesApi client)
        : this(() => client)
    {
    }

    /// <exception cref="KubernetesUnavailableException">there is no Kubernetes API to talk to</exception>
    public KubernetesApi Client => connect();
}
