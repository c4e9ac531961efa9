namespace WebhookSolver.Security;

/// <summary>
/// The <c>--requestheader-*</c> flags and the authorization cache (configuration section <c>Authentication</c>).
/// A list left unset (null) falls back to the <c>extension-apiserver-authentication</c> ConfigMap, then to the
/// Kubernetes default; lists are comma-separated.
/// </summary>
internal sealed class WebhookSecurityOptions
{
    public const string Section = "Authentication";

    /// <summary>PEM bundle of the front-proxy CA. When set, every requestheader setting comes from flags.</summary>
    public string? ClientCaFile { get; set; }

    public string? AllowedNames { get; set; }

    public string? UsernameHeaders { get; set; }

    public string? GroupHeaders { get; set; }

    public string? ExtraHeadersPrefixes { get; set; }

    /// <summary>How long a SubjectAccessReview answer, allowed or denied, is reused (0: not cached).</summary>
    public TimeSpan AuthorizationCacheTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the CA file or the ConfigMap is re-read for a rotated front-proxy CA.</summary>
    public TimeSpan TrustReloadInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Splits a comma-separated flag; null when the flag was not given.</summary>
    internal static IReadOnlyList<string>? SplitList(string? value) =>
        value?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
