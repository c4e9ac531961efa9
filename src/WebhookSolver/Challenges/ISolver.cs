namespace WebhookSolver.Challenges;

/// <summary>
/// The seam cert-manager's webhook library calls a DNS provider through (its <c>Solver</c> interface).
/// An implementation signals a failure the user must see by throwing <see cref="SolverException"/>.
/// </summary>
public interface ISolver
{
    /// <summary>Publishes <see cref="ChallengeRequest.Key"/> at <see cref="ChallengeRequest.ResolvedFQDN"/>. Must be idempotent.</summary>
    Task PresentAsync(ChallengeRequest request, CancellationToken cancellationToken);

    /// <summary>Removes only this request's key; a missing record or value is success.</summary>
    Task CleanUpAsync(ChallengeRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// A failure reported to cert-manager as <c>success:false</c>. The message reaches the Challenge's status and
/// an Event, so it must say what to fix, stay identical across retries of the same cause, and hold no secret.
/// </summary>
public class SolverException(string message, Exception? innerException = null) : Exception(message, innerException);
