using System.Text.RegularExpressions;

namespace WebhookSolver.Kubernetes;

/// <summary>
/// Kubernetes' own name rules (k8s.io/apimachinery validation): what a Secret, ServiceAccount, namespace or data key
/// may be called. A value outside them can only be a mistake or an attack, and must not reach a request path.
/// </summary>
internal static partial class KubernetesNames
{
    public const string SubdomainRule = "a DNS subdomain: lower-case letters, digits, '-' and '.', at most 253 characters";
    public const string LabelRule = "a DNS label: lower-case letters, digits and '-', at most 63 characters";
    public const string DataKeyRule = "letters, digits, '-', '_' and '.', at most 253 characters";

    /// <summary>Secret and ServiceAccount names (RFC 1123 subdomain).</summary>
    public static bool IsSubdomain(string? value) => value is { Length: <= 253 } && Subdomain().IsMatch(value);

    /// <summary>Namespace names (RFC 1123 label).</summary>
    public static bool IsLabel(string? value) => value is { Length: <= 63 } && Label().IsMatch(value);

    /// <summary>Keys of a Secret's or ConfigMap's data.</summary>
    public static bool IsDataKey(string? value) => value is { Length: <= 253 } && DataKey().IsMatch(value) && value is not ("." or "..");

    [GeneratedRegex(@"\A[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z")]
    private static partial Regex Subdomain();

    [GeneratedRegex(@"\A[a-z0-9]([-a-z0-9]*[a-z0-9])?\z")]
    private static partial Regex Label();

    [GeneratedRegex(@"\A[-._a-zA-Z0-9]+\z")]
    private static partial Regex DataKey();
}
