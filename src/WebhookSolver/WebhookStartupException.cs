namespace WebhookSolver;

/// <summary>
/// A start-up check that failed for a reason the operator must fix (a flag, an RBAC binding). The host prints
/// the message and exits non-zero instead of serving in an unsafe state.
/// </summary>
internal sealed class WebhookStartupException(string message) : Exception(message);
