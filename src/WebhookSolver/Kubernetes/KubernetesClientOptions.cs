namespace WebhookSolver.Kubernetes;

/// <summary>Where the Kubernetes API client finds its cluster; the host fills it from <c>--kubeconfig</c>.</summary>
internal sealed class KubernetesClientOptions
{
    /// <summary>Unset: the in-cluster service account.</summary>
    public string? Kubeconfig { get; set; }
}
