using System.Net;
using System.Net.Sockets;
using System.Text;
using k8s.Models;

namespace WebhookSolver.Kubernetes;

/// <summary>
/// The Kubernetes reads the credential chain needs — Secret values and ServiceAccount tokens — with every
/// failure turned into a <see cref="SolverException"/> that says what to fix. Callers pass the challenge's
/// <c>resourceNamespace</c>; nothing here chooses a namespace on its own.
/// </summary>
internal sealed class KubernetesResources(KubernetesConnection kubernetes)
{
    /// <summary>
    /// The client, made on first use: local mode runs without a cluster until an Issuer references a Secret or
    /// a ServiceAccount.
    /// </summary>
    private KubernetesApi Client(string what)
    {
        try
        {
            return kubernetes.Client;
        }
        catch (KubernetesUnavailableException e)
        {
            throw new SolverException($"cannot read {what}: {e.Message}");
        }
    }

    /// <summary>Reads <c>data[key]</c> of a Secret, UTF-8 decoded and trimmed.</summary>
    public async Task<string> ReadSecretValueAsync(string namespaceName, string name, string key, CancellationToken cancellationToken)
    {
        var secret = await ReadSecretAsync(namespaceName, name, cancellationToken).ConfigureAwait(false);
        return SecretValue(secret, name, key);
    }

    public async Task<V1Secret> ReadSecretAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        RequireNamespace(namespaceName, $"Secret \"{name}\"");
        var what = $"Secret \"{name}\" in namespace \"{namespaceName}\"";
        var kubernetes = Client(what);
        try
        {
            return await kubernetes.ReadSecretAsync(namespaceName, name, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (Failure(e, cancellationToken) is { } failure)
        {
            throw failure switch
            {
                Failed.NotFound => new SolverException(
                    $"{what} not found: create it there (an Issuer's Secrets live in its own namespace, a ClusterIssuer's in " +
                    "cert-manager's cluster resource namespace)", e),
                Failed.Forbidden => new SolverException(
                    $"the webhook is not allowed to get {what}: grant the webhook's ServiceAccount \"get\" on secrets " +
                    $"(resourceNames [\"{name}\"]) with a Role and RoleBinding in namespace \"{namespaceName}\"", e),
                _ => Describe(failure, "get", what, e),
            };
        }
    }

    /// <summary>The value at <paramref name="key"/>, trimmed; cert-manager's wording when it is missing or empty.</summary>
    public static string SecretValue(V1Secret secret, string name, string key)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Data is null || !secret.Data.TryGetValue(key, out var bytes) || bytes is null
            || Encoding.UTF8.GetString(bytes).Trim() is not { Length: > 0 } value)
        {
            throw new SolverException($"no data found in Secret \"{name}\" at Key \"{key}\"");
        }

        return value;
    }

    /// <summary>A bound token for a ServiceAccount (<c>POST .../serviceaccounts/&lt;name&gt;/token</c>).</summary>
    public async Task<string> CreateServiceAccountTokenAsync(
        string namespaceName, string name, IReadOnlyList<string> audiences, long expirationSeconds, CancellationToken cancellationToken)
    {
        RequireNamespace(namespaceName, $"ServiceAccount \"{name}\"");
        var what = $"ServiceAccount \"{name}\" in namespace \"{namespaceName}\"";
        var request = new Authenticationv1TokenRequest
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenRequest",
            Spec = new V1TokenRequestSpec { Audiences = [.. audiences], ExpirationSeconds = expirationSeconds },
        };
        var kubernetes = Client(what);
        try
        {
            var response = await kubernetes.CreateServiceAccountTokenAsync(namespaceName, name, request, cancellationToken).ConfigureAwait(false);
            return response.Status?.Token is { Length: > 0 } token
                ? token
                : throw new SolverException($"the Kubernetes API returned no token for {what}");
        }
        catch (Exception e) when (Failure(e, cancellationToken) is { } failure)
        {
            throw failure switch
            {
                Failed.NotFound => new SolverException($"{what} not found: create it there, or fix auth.kubernetes.serviceAccountRef.name", e),
                Failed.Forbidden => new SolverException(
                    $"the webhook is not allowed to create a token for {what}: grant the webhook's ServiceAccount \"create\" on " +
                    $"serviceaccounts/token (resourceNames [\"{name}\"]) with a Role and RoleBinding in namespace \"{namespaceName}\"", e),
                _ => Describe(failure, "create a token for", what, e),
            };
        }
    }

    private enum Failed { NotFound, Forbidden, Unauthorized, Unavailable, OtherStatus }

    private static void RequireNamespace(string namespaceName, string what)
    {
        if (string.IsNullOrWhiteSpace(namespaceName))
        {
            throw new SolverException($"the challenge has no resourceNamespace, so {what} cannot be looked up; cert-manager sets it for every Issuer");
        }
    }

    /// <summary>Classifies a failed call; null for the caller's own cancellation (not a failure of the API).</summary>
    private static Failed? Failure(Exception e, CancellationToken cancellationToken) =>
        e switch
        {
            KubernetesApiException { StatusCode: HttpStatusCode.NotFound } => Failed.NotFound,
            KubernetesApiException { StatusCode: HttpStatusCode.Forbidden } => Failed.Forbidden,
            KubernetesApiException { StatusCode: HttpStatusCode.Unauthorized } => Failed.Unauthorized,
            KubernetesApiException => Failed.OtherStatus,
            OperationCanceledException when cancellationToken.IsCancellationRequested => null,
            HttpRequestException or SocketException or OperationCanceledException or IOException => Failed.Unavailable,
            _ => null,
        };

    private static SolverException Describe(Failed? failure, string verb, string what, Exception e) => failure switch
    {
        Failed.Unauthorized => new SolverException(
            $"the Kubernetes API rejected the webhook's own credentials (401) when trying to {verb} {what}: check its ServiceAccount token or --kubeconfig", e),
        Failed.Unavailable => new SolverException(
            $"cannot reach the Kubernetes API to {verb} {what}: {Reason(e)}; check that the API server is up and reachable from the webhook", e),
        _ => new SolverException(
            $"the Kubernetes API answered {(int)((KubernetesApiException)e).StatusCode} when trying to {verb} {what}; retry later", e),
    };

    private static string Reason(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost is OperationCanceledException ? "the request timed out" : innermost.Message;
    }
}
