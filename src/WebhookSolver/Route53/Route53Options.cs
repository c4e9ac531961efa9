using Microsoft.Extensions.Options;

namespace WebhookSolver.Route53;

/// <summary>The <c>Route53</c> configuration section (flags <c>--route53-*</c>).</summary>
internal sealed class Route53Options
{
    public const string Section = "Route53";

    /// <summary>After a change, wait up to this long for INSYNC (0: return once Route53 accepted it). Never beyond <see cref="Deadline"/>.</summary>
    public TimeSpan WaitForInsync { get; set; }

    /// <summary>
    /// Base URL that replaces the partition's endpoint (a local emulator, tests). Unset: <c>AWS_ENDPOINT_URL_ROUTE53</c>,
    /// then <c>AWS_ENDPOINT_URL</c>, as the AWS SDKs read them.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Longest time one Present or CleanUp spends on AWS (credentials, lookups, retries, INSYNC wait): keeps each webhook call well under 30
    /// s.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Longest wait for one Route53 answer before the call is treated as lost and retried.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>First retry delay ceiling; doubled per attempt up to <see cref="RetryMaxDelay"/>, and a random part of it is waited (full jitter).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How often GetChange is asked while waiting for INSYNC.</summary>
    public TimeSpan InsyncPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the read-compare-swap of one name is tried again after another writer changed the name first.</summary>
    public int MaxSwapAttempts { get; set; } = 8;

    /// <summary>How long hosted zones found by name are reused.</summary>
    public TimeSpan ZoneCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>maxitems of the list calls (Route53 allows up to 100 for hosted zones, 300 for record sets).</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>
    /// Client-side rate of Route53 calls for the whole deployment (flag <c>--route53-requests-per-second</c>); each
    /// replica takes an equal share (<see cref="Route53Budget"/>). Below Route53's 5 requests/s per account because
    /// everyone using the account shares that budget.
    /// </summary>
    public double RequestsPerSecond { get; set; } = 4;

    /// <summary>
    /// Calls allowed at once before the rate applies, for the whole deployment (flag <c>--route53-burst</c>); shared
    /// like the rate. Route53's bucket holds 5 requests: a burst of 3 leaves two of them for calls that were sent apart
    /// but arrive together (a busy host delays some sends), and for other users of the account; at 4/s the account's
    /// 5/s refill adds one more every second.
    /// </summary>
    public int Burst { get; set; } = 3;

    /// <summary>
    /// Replicas assumed to share the budget until the Lease API has answered (flag <c>--route53-assumed-replicas</c>,
    /// the chart's <c>replicaCount</c>): a replica starts with this conservative share and keeps it while it cannot
    /// count the others.
    /// </summary>
    public int AssumedReplicas { get; set; } = 2;

    /// <summary>
    /// How long a change may wait to gather with others for one hosted zone and AWS identity (flag
    /// <c>--route53-batch-window</c>). With <see cref="Route53WriteStrategy.FixedWindow"/> every round first waits this
    /// long. With <see cref="Route53WriteStrategy.GroupCommit"/> no round lingers: a change for an idle zone is sent at
    /// once, and a round whose first call the client-side rate limit delays waits for that turn (however long: the
    /// call would wait as long) and takes everything that arrived meanwhile. Zero turns that off as well: a delayed
    /// round fixes its changes at once and only then waits.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How rounds are gathered and whether a name is read before its first write (configuration <c>Route53:WriteStrategy</c>).</summary>
    public Route53WriteStrategy WriteStrategy { get; set; } = Route53WriteStrategy.GroupCommit;

    /// <summary>
    /// How long the exact TXT sets this process last wrote or read at a name are trusted as the precondition of the next
    /// compare-and-swap there (configuration <c>Route53:RememberSetsFor</c>). A wrong memory costs one refused call, never a value.
    /// </summary>
    public TimeSpan RememberSetsFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a change whose answer never came may still be applied: AWS refuses a SigV4 request whose X-Amz-Date is
    /// too old (five minutes in AWS's IAM guide, "in most cases"; fifteen in older AWS documentation), so 15 minutes
    /// covers both, and a host clock up to ten minutes ahead under the five-minute rule (configuration <c>Route53:InDoubtFor</c>).
    /// </summary>
    public TimeSpan InDoubtFor { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>After a Throttling answer the rate is halved; each such interval without throttling gives back a quarter of <see
    /// cref="RequestsPerSecond"/>.</summary>
    public TimeSpan ThrottleRecoveryInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>How Present and CleanUp calls become Route53 change batches.</summary>
public enum Route53WriteStrategy
{
    /// <summary>
    /// A change for a zone with no round in flight is sent at once; changes that arrive meanwhile go together in the
    /// next round. A name with no known set is written without reading it first (CREATE, refused atomically when a
    /// set exists), and the sets last written or read are the precondition of the next change.
    /// </summary>
    GroupCommit,

    /// <summary>The previous strategy, for comparison: every round waits the whole batch window, and every name is read before it is written.</summary>
    FixedWindow,
}

internal sealed class Route53OptionsValidator : IValidateOptions<Route53Options>
{
    public ValidateOptionsResult Validate(string? name, Route53Options options)
    {
        var failures = new List<string>();
        if (options.WaitForInsync < TimeSpan.Zero)
        {
            failures.Add("--route53-wait-for-insync must not be negative (0s returns once Route53 accepted the change)");
        }

        if (options.Deadline <= TimeSpan.Zero || options.Deadline > TimeSpan.FromSeconds(25))
        {
            failures.Add("Route53:Deadline must be between 1s and 25s, so that every webhook call ends well within 30s");
        }

        if (options.AttemptTimeout <= TimeSpan.Zero || options.RetryBaseDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay
            || options.InsyncPollInterval <= TimeSpan.Zero)
        {
            failures.Add("Route53:AttemptTimeout, RetryBaseDelay and InsyncPollInterval must be positive, and RetryMaxDelay at least RetryBaseDelay");
        }

        if (options.MaxSwapAttempts < 1 || options.PageSize is < 1 or > 100)
        {
            failures.Add("Route53:MaxSwapAttempts must be at least 1 and Route53:PageSize between 1 and 100");
        }

        if (!double.IsFinite(options.RequestsPerSecond) || options.RequestsPerSecond <= 0 || options.Burst < 1)
        {
            failures.Add("--route53-requests-per-second must be a positive number (such as 4 or 0.5) and --route53-burst at least 1");
        }

        if (options.AssumedReplicas < 1)
        {
            failures.Add($"--route53-assumed-replicas must be a whole number of at least 1 (the deployment's replica count), got {options.AssumedReplicas}");
        }

        if (options.BatchWindow < TimeSpan.Zero || options.BatchWindow > TimeSpan.FromSeconds(5))
        {
            failures.Add("--route53-batch-window must be between 0s (no batching) and 5s, so that a batched challenge still ends within its deadline");
        }

        if (options.RememberSetsFor < TimeSpan.Zero || options.RememberSetsFor > TimeSpan.FromMinutes(30))
        {
            failures.Add("Route53:RememberSetsFor must be between 0s (read before every write) and 30m");
        }

        if (options.InDoubtFor < TimeSpan.FromMinutes(5) || options.InDoubtFor > TimeSpan.FromHours(1))
        {
            failures.Add("Route53:InDoubtFor must be between 5m (the shortest time AWS accepts a signed request) and 1h");
        }

        if (!Enum.IsDefined(options.WriteStrategy))
        {
            failures.Add("Route53:WriteStrategy must be GroupCommit or FixedWindow");
        }

        if (options.ThrottleRecoveryInterval <= TimeSpan.Zero)
        {
            failures.Add("Route53:ThrottleRecoveryInterval must be positive");
        }

        if (options.Endpoint is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
        {
            failures.Add($"the Route53 endpoint override must be an absolute http(s) URL such as https://route53.example.internal, got '{endpoint}'");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
