namespace WebhookSolver.Kubernetes;

/// <summary>
/// The caller the aggregator vouches for (Kubernetes' user.Info): set on every authenticated request as an
/// <see cref="HttpContext"/> feature by the front-proxy authentication.
/// </summary>
internal sealed record RequestUser(
    string Name,
    string? Uid,
    IReadOnlyList<string> Groups,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Extra)
{
    public const string AuthenticatedGroup = "system:authenticated";
    public const string MastersGroup = "system:masters";
}
