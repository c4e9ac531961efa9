using System.Text.Json;
using Microsoft.Extensions.Options;
using WebhookSolver.Challenges;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Security;

/// <summary>
/// Authenticate, authorize, then route — before any endpoint runs, so an unauthenticated caller gets the same
/// 401 for every path and learns nothing about which exist. Only the kubelet's probe paths are open
/// (docs/design/security.md).
/// </summary>
internal sealed partial class WebhookSecurityMiddleware(
    RequestDelegate next,
    FrontProxyAuthenticator authenticator,
    AccessReviewer reviewer,
    SecurityMetrics metrics,
    IOptions<ChallengeOptions> options,
    ILogger<WebhookSecurityMiddleware> logger)
{
    private static readonly string[] OpenPaths = ["/healthz", "/livez", "/readyz"];

    private readonly string _group = options.Value.GroupName;
    private readonly string _solver = options.Value.SolverName;
    private readonly string _solverPath = ChallengeEndpoints.SolverPath(options.Value);

    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path.Value is { Length: > 0 } value ? value : "/";
        if (OpenPaths.Contains(path, StringComparer.Ordinal))
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        var authentication = authenticator.Authenticate(http);
        if (authentication.User is not { } user)
        {
            var reason = JsonNamingPolicy.SnakeCaseLower.ConvertName(authentication.Failure.ToString());
            metrics.AuthenticationDenied(reason);
            LogUnauthenticated(reason, http.Connection.RemoteIpAddress);
            await KubernetesStatus.Result(StatusCodes.Status401Unauthorized, "Unauthorized", authentication.Message)
                .ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var attributes = Attributes(http.Request.Method, path);
        var decision = user.Groups.Contains(RequestUser.MastersGroup, StringComparer.Ordinal)
            ? new AccessDecision(AccessOutcome.Allowed, "")
            : await reviewer.ReviewAsync(user, attributes, http.RequestAborted).ConfigureAwait(false);
        if (decision.Outcome != AccessOutcome.Allowed)
        {
            var failed = decision.Outcome == AccessOutcome.ReviewFailed;
            metrics.AuthorizationDenied(failed ? "review_failed" : "denied");
            var action = attributes.Describe();
            LogForbidden(user.Name, action, failed ? "review failed" : "denied");
            var message = $"forbidden: User \"{Shorten(user.Name)}\" cannot {Shorten(action)}"
                + (decision.Reason.Length > 0 ? $": {Shorten(decision.Reason)}" : "");
            await KubernetesStatus.Result(StatusCodes.Status403Forbidden, "Forbidden", message).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        http.Features.Set(user);
        await next(http).ConfigureAwait(false);
    }

    /// <summary>
    /// Decided from the configured names, not from routing (which has not run yet). Routing matches case-insensitively
    /// and ignores a trailing slash, so this does too: a spelling of the solver path must never pass as a plain path.
    /// </summary>
    internal AccessAttributes Attributes(string method, string path)
    {
        if (string.Equals(path.TrimEnd('/'), _solverPath, StringComparison.OrdinalIgnoreCase))
        {
            var verb = method.ToUpperInvariant() switch
            {
                "POST" => "create",
                "GET" or "HEAD" => "list",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "deletecollection",
                var other => other.ToLowerInvariant(),
            };
            return AccessAttributes.ForResource(verb, _group, DiscoveryEndpoints.Version, _solver);
        }

        return AccessAttributes.ForPath(method.ToLowerInvariant(), path);
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "..." : text;

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Request from {RemoteAddress} not authenticated: {Reason}")]
    private partial void LogUnauthenticated(string reason, System.Net.IPAddress? remoteAddress);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Information, Message = "User {User} may not {Attributes}: {Outcome}")]
    private partial void LogForbidden(string user, string attributes, string outcome);
}
