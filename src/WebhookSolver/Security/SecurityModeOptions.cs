namespace WebhookSolver.Security;

/// <summary>
/// Set by the host, never bound from configuration: in local mode (loopback only, validated at start-up) there
/// is no front proxy, so neither authentication nor its trust check runs.
/// </summary>
internal sealed class SecurityModeOptions
{
    public bool Local { get; set; }
}
