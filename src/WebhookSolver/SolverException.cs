namespace WebhookSolver;

/// <summary>
/// A failure reported to cert-manager as <c>success:false</c>. The message reaches the Challenge's status and
/// an Event, so it must say what to fix, stay identical across retries of the same cause, and hold no secret.
/// </summary>
internal class SolverException(string message, Exception? innerException = null) : Exception(message, innerException);
