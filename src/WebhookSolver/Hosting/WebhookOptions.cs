using System.Net;

namespace WebhookSolver.Hosting;

/// <summary>The server's settings: flags, the <c>Webhook</c> configuration section, or environment variables.</summary>
internal sealed class WebhookOptions
{
    public const string Section = "Webhook";
    public const string LocalGroupName = "acme.example.com";

    public int SecurePort { get; set; } = 8443;
    /// <summary>Unset means 0.0.0.0, or 127.0.0.1 in local mode.</summary>
    public string? BindAddress { get; set; }
    public string? TlsCertFile { get; set; }
    public string? TlsPrivateKeyFile { get; set; }
    public string? GroupName { get; set; }
    public string SolverName { get; set; } = "route53";
    public bool Local { get; set; }
    public string? Kubeconfig { get; set; }
    public string LogFormat { get; set; } = "text";

    /// <summary>How long one Present or CleanUp may take before it is answered as failed (the apiserver cuts at 60 s).</summary>
    public TimeSpan ChallengeTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>How often the serving certificate files are checked for a new pair.</summary>
    public TimeSpan CertificateReloadInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The group name in force: in local mode a default stands in for a missing one.</summary>
    public string EffectiveGroupName => string.IsNullOrWhiteSpace(GroupName) && Local ? LocalGroupName : GroupName ?? "";

    /// <summary>The address to listen on (a method, not a property: configuration binding leaves it alone).</summary>
    public IPAddress EffectiveBindAddress() =>
        BindAddress is { Length: > 0 } address ? IPAddress.Parse(address) : Local ? IPAddress.Loopback : IPAddress.Any;
}
