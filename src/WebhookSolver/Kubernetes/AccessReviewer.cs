using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using k8s;
using k8s.Autorest;
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

    private readonly ConcurrentDictionary<string, CachedAnswer> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<AccessDecision>>> _inFlight = new(StringComparer.Ordinal);

    public async Task<AccessDecision> ReviewAsync(RequestUser user, AccessAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(attributes);
        var key = CacheKey(user, attributes);
        if (_answers.TryGetValue(key, out var cached) && cached.Expires > time.GetUtcNow())
        {
            return cached.Decision;
        }

        var review = _inFlight.GetOrAdd(key, _ => new Lazy<Task<AccessDecision>>(() => AskAsync(key, user, attributes)));
        try
        {
            // The review itself is not tied to this caller's cancellation: others may be waiting on it.
            return await review.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(KeyValuePair.Create(key, review));
        }
    }

    private async Task<AccessDecision> AskAsync(string key, RequestUser user, AccessAttributes attributes)
    {
        var decision = await CallAsync(user, attributes).ConfigureAwait(false);
        var ttl = options.Value.CacheTtl;
        if (decision.Outcome != AccessOutcome.ReviewFailed && ttl > TimeSpan.Zero)
        {
            if (_answers.Count >= MaxCachedAnswers)
            {
                Prune();
            }

            _answers[key] = new CachedAnswer(decision, time.GetUtcNow() + ttl);
        }

        return decision;
    }

    private async Task<AccessDecision> CallAsync(RequestUser user, AccessAttributes attributes)
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
                    ? new V1ResourceAttributes { Verb = attributes.Verb, Group = attributes.Group, Version = attributes.Version, Resource = attributes.Resource }
                    : null,
                NonResourceAttributes = attributes.IsResource ? null : new V1NonResourceAttributes { Verb = attributes.Verb, Path = attributes.Path },
            },
        };

        try
        {
            // Made here, at first use: local mode never builds a Kubernetes client.
            var client = kubernetes.Client;
            using var timeout = new CancellationTokenSource(ReviewTimeout, time);
            var answer = await client.AuthorizationV1.CreateSubjectAccessReviewAsync(body, cancellationToken: timeout.Token).ConfigureAwait(false);
            var status = answer?.Status;
            if (status is null)
            {
                LogReviewFailed(user.Name, action, "the answer has no status");
                return new AccessDecision(AccessOutcome.ReviewFailed, "the SubjectAccessReview answer had no status");
            }

            var outcome = status.Allowed && status.Denied != true ? AccessOutcome.Allowed : AccessOutcome.Denied;
            return new AccessDecision(outcome, status.Reason ?? "");
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            LogReviewFailed(user.Name, action, $"HTTP {(int)e.Response.StatusCode}");
            return new AccessDecision(AccessOutcome.ReviewFailed,
                "the webhook may not create SubjectAccessReviews: bind its service account to the ClusterRole system:auth-delegator");
        }
        catch (Exception e)
        {
            // Only the type and status: exception text may carry server output.
            var detail = e is HttpOperationException { Response: { } response } ? $"{e.GetType().Name} HTTP {(int)response.StatusCode}" : e.GetType().Name;
            LogReviewFailed(user.Name, action, detail);
            return new AccessDecision(AccessOutcome.ReviewFailed,
                "the authorization check (SubjectAccessReview) could not be made because the Kubernetes API did not answer; the request is denied until it does");
        }
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (key, answer) in _answers)
        {
            if (answer.Expires <= now)
            {
                _answers.TryRemove(key, out _);
            }
        }

        if (_answers.Count >= MaxCachedAnswers)
        {
            _answers.Clear();
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

    private sealed record CachedAnswer(AccessDecision Decision, DateTimeOffset Expires);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Warning, Message = "SubjectAccessReview for user {User} to {Attributes} failed ({Detail}); the request is denied")]
    private partial void LogReviewFailed(string user, string attributes, string detail);
}
