using System.Net;

namespace WebhookSolver.Kubernetes;

/// <summary>
/// The Kubernetes API answered a call with an error status. The message names the call and the status only: the body
/// may echo what was sent.
/// </summary>
internal sealed class KubernetesApiException(HttpStatusCode statusCode, string message) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;
}
