using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using k8s.Models;

namespace WebhookSolver.Kubernetes;

/// <summary>What a request asks to do, in SubjectAccessReview terms: a resource verb or a non-resource path.</summary>
internal sealed record AccessAttributes(string Verb, string? Group, string? Version, string? Resource, string? Path)
{
    public bool IsResource => Resource is not null;

    public static AccessAttributes ForResource(string verb, string group, string version, string resource) => new(verb, group, version, resource, null);

    public static AccessAttributes ForPath(string verb, string path) => new(verb, null, null, null, path);

    /// <summary>The wording of kube-apiserver's own 403 messages.</summary>
    public string Describe() => IsResource
        ? $"{Verb} resource \"{Resource}\" in API group \"{Group}\" at the cluster scope"
        : $"{Verb} path \"{Path}\"";
}

internal enum AccessOutcome
{
    Allowed,
    Denied,

    /// <summary>No answer could be had: the request is denied (fail closed) and the answer is not cached.</summary>
    ReviewFailed,
}

/// <param name="Reason">the authorizer's reason, or why the review failed; empty when none was given</param>
internal sealed record AccessDecision(AccessOutcome Outcome, string Reason);

/// <summary>
/// Asks the cluster whether a user may do something (SubjectAccessReview, authorization.k8s.io/v1), the way
/// k8s.io/apiserver's delegating authorizer does. Answers — allowed and denied alike — are reused for
/// <c>--authorization-cache-ttl</c>, and concurrent identical questions share one review, so a burst of challenges
/// costs one call. A review that cannot be made denies.
/// </summary>
internal sealed partial class AccessReviewer(
    KubernetesConnection kubernetes,
    IOptions<AccessReviewOptions> options,
    TimeProvider time,
    ILogger<AccessReviewer> logger)
{
    private const int MaxCachedAnswers = 4096;
    private static readonly TimeSpan ReviewTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The review itself is not tied to a caller's cancellation (others may be waiting on it), only to its own timeout.</summary>
    private readonly SingleFlightCache<string, AccessDecision> _answers = new(time, detachedTimeout: ReviewTimeout, maxEntries: MaxCachedAnswers);

    public async Task<AccessDecision> ReviewAsync(RequestUser user, AccessAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(attributes);
        var (decision, _) = await _answers.GetAsync(CacheKey(user, attributes), token => CallAsync(user, attributes, token), KeepUntil, cancellationToken)
            .ConfigureAwait(false);
        return decision;
    }

    /// <summary>Allowed and denied answers are reused for the TTL; a failed review only serves the callers waiting on it.</summary>
    private DateTimeOffset KeepUntil(AccessDecision decision)
    {
        var ttl = options.Value.CacheTtl;
        return decision.Outcome == AccessOutcome.ReviewFailed || ttl <= TimeSpan.Zero ? DateTimeOffset.MinValue : time.GetUtcNow() + ttl;
    }

    private async Task<AccessDecision> CallAsync(RequestUser user, AccessAttributes attributes, CancellationToken cancellationToken)
    {
        var action = attributes.Describe();
        var body = new V1SubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SubjectAccessReview",
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user.Name,
                Uid = user.Uid,
                Groups = [.. user.Groups],
                Extra = user.Extra.Count == 0 ? null : user.Extra.ToDictionary(pair => pair.Key, pair => (IList<string>)[.. pair.Value]),
                ResourceAttributes = attributes.IsResource
                    ? new V1ResourceAttributes { Verb = attributes.Verb, Group = attributes.Group, Version = attributes.Version,
                        Resource = attributes.Resource }
                    : null,
                NonResourceAttributes = attributes.IsResource ? null : new V1NonResourceAttributes { Verb = attributes.Verb, Path = attributes.Path },
            },
        };

        try
        {
            // Made here, at first use: local mode never builds a Kubernetes client.
            var client = kubernetes.Client;
            var answer = await client.CreateSubjectAccessReviewAsync(body, cancellationToken).ConfigureAwait(false);
            var status = answer.Status;
            if (status is null)
            {
                LogReviewFailed(user.Name, action, "the answer has no status");
                return new AccessDecision(AccessOutcome.ReviewFailed, "the SubjectAccessReview answer had no status");
            }

            var outcome = status.Allowed && status.Denied != true ? AccessOutcome.Allowed : AccessOutcome.Denied;
            return new AccessDecision(outcome, status.Reason ?? "");
        }
        catch (KubernetesApiException e) when (e.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            LogReviewFailed(user.Name, action, $"HTTP {(int)e.StatusCode}");
            return new AccessDecision(AccessOutcome.ReviewFailed,
                "the webhook may not create SubjectAccessReviews: bind its service account to the ClusterRole system:auth-delegator");
        }
        catch (Exception e)
        {
            // Only the type and status: exception text may carry server output.
            var detail = e is KubernetesApiException { StatusCode: var code } ? $"{e.GetType().Name} HTTP {(int)code}" : e.GetType().Name;
            LogReviewFailed(user.Name, action, detail);
            return new AccessDecision(AccessOutcome.ReviewFailed,
                "the authorization check (SubjectAccessReview) could not be made because the Kubernetes API did not answer; the " +
                    "request is denied until it does");
        }
    }

    /// <summary>Every field the answer depends on; NUL cannot occur in a header value, so the key is unambiguous.</summary>
    private static string CacheKey(RequestUser user, AccessAttributes attributes)
    {
        var key = new StringBuilder();
        key.Append(user.Name).Append('\0').Append(user.Uid).Append('\0').AppendJoin('\u0001', user.Groups).Append('\0');
        foreach (var (name, values) in user.Extra.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            key.Append(name).Append('\u0002').AppendJoin('\u0001', values).Append('\u0003');
        }

        key.Append('\0').Append(attributes.Verb).Append('\0').Append(attributes.Group).Append('\0').Append(attributes.Version)
            .Append('\0').Append(attributes.Resource).Append('\0').Append(attributes.Path);
        return key.ToString();
    }

    [LoggerMessage(EventId = 3601, Level = LogLevel.Warning,
        Message = "SubjectAccessReview for user {User} to {Attributes} failed ({Detail}); the request is denied")]
    private partial void LogReviewFailed(string user, string attributes, string detail);
}
