namespace WebhookSolver.Challenges;

/// <summary>
/// The seam cert-manager's webhook library calls a DNS provider through (its <c>Solver</c> interface).
/// An implementation signals a failure the user must see by throwing <see cref="SolverException"/>.
/// </summary>
internal interface ISolver
{
    /// <summary>Publishes <see cref="ChallengeRequest.Key"/> at <see cref="ChallengeRequest.ResolvedFQDN"/>. Must be idempotent.</summary>
    Task PresentAsync(ChallengeRequest request, CancellationToken cancellationToken);

    /// <summary>Removes only this request's key; a missing record or value is success.</summary>
    Task CleanUpAsync(ChallengeRequest request, CancellationToken cancellationToken);
}
