namespace WebhookSolver.Kubernetes;

/// <summary>The Kubernetes API cannot be reached at all: the message says why, in one line, naming the flag or file.</summary>
internal sealed class KubernetesUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
