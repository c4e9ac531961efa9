using System.Globalization;
using System.Net;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace WebhookSolver.Kubernetes;

/// <summary>
/// Lease-based membership of the replicas of one deployment, on coordination.k8s.io/v1 Leases as kube-apiserver's
/// identity Leases and client-go's leader election use them. Each replica holds a Lease named after its pod in its
/// own namespace (<c>holderIdentity</c> = the pod, <c>renewTime</c> as a MicroTime, <c>leaseDurationSeconds</c>),
/// labelled <c>&lt;group name&gt;/route53-budget=&lt;solver name&gt;</c> — the APIService both serve — and renews
/// it every <see cref="ReplicaLeaseOptions.RenewInterval"/>. Each round it lists the labelled Leases and counts the
/// live ones into <see cref="ReplicaMembership"/>. As in client-go, a Lease expires on the reader's clock,
/// <c>leaseDurationSeconds</c> after the reader last saw it change, so clocks that disagree between nodes do not
/// matter. Its own Lease is deleted on graceful shutdown, so the others take its share back at once.
/// </summary>
internal sealed partial class ReplicaLeases(
    ReplicaMembership membership,
    IOptions<ReplicaLeaseOptions> options,
    IOptions<ReplicaDeploymentOptions> deployment,
    KubernetesConnection kubernetes,
    ReplicaMetrics metrics,
    TimeProvider time,
    ILogger<ReplicaLeases> logger) : BackgroundService
{
    private const string BudgetLabelName = "route53-budget";
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Observed> _seen = new(StringComparer.Ordinal);
    private KubernetesApi? _client;
    private V1Lease? _own;
    private DateTimeOffset _listed = DateTimeOffset.MinValue;
    private ApiState _state = ApiState.NotAsked;
    private long _rounds;

    private enum ApiState { NotAsked, Answering, Forbidden, Unreachable }

    /// <summary>The label that the Leases of this deployment's replicas carry.</summary>
    public string LabelKey => $"{deployment.Value.GroupName}/{BudgetLabelName}";

    public string LabelValue => deployment.Value.SolverName;

    /// <summary>Rounds finished so far; the loop is waiting for its next round once this has grown.</summary>
    public long RoundsCompleted => Interlocked.Read(ref _rounds);

    private string PodName => options.Value.PodName!;

    private string Namespace => options.Value.PodNamespace!;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (deployment.Value.Local)
        {
            // Outside a cluster there is no one to share with: membership was made knowing one replica.
            metrics.ReplicasSeen(1);
            return;
        }

        if (!options.Value.HasIdentity)
        {
            LogNoPodIdentity();
            return;
        }

        try
        {
            // Made here, not at construction: without a cluster or --kubeconfig the client cannot be made.
            _client = kubernetes.Client;
        }
        catch (KubernetesUnavailableException e)
        {
            // Its message names the flag or file to fix, never the kubeconfig's contents.
            LogNoKubernetesApi(e.Message);
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = await RoundAsync(_client, stoppingToken).ConfigureAwait(false);
            Interlocked.Increment(ref _rounds);
            try
            {
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Renews this replica's Lease, counts the live ones, and says when to come back.</summary>
    private async Task<TimeSpan> RoundAsync(KubernetesApi client, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        // A round slower than this would let the Lease lapse before the next one anyway.
        var patience = TimeSpan.FromSeconds(settings.DurationSeconds) - settings.RenewInterval;
        using var timeout = new CancellationTokenSource(patience, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
        try
        {
            await RenewAsync(client, linked.Token).ConfigureAwait(false);
            var list = await client.ListLeasesAsync(Namespace, $"{LabelKey}={LabelValue}", linked.Token).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var (live, untilExpiry) = Count(list.Items ?? [], now);
            _listed = now;
            if (_state != ApiState.Answering)
            {
                _state = ApiState.Answering;
                LogHolding(Namespace, PodName, settings.RenewInterval.TotalSeconds, settings.DurationSeconds, live);
            }

            metrics.ReplicasSeen(live);
            membership.Report(live);
            // Back when the next Lease expires rather than at the next renewal, so its share is given back at once.
            return untilExpiry < settings.RenewInterval ? untilExpiry + TimeSpan.FromMilliseconds(1) : settings.RenewInterval;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (KubernetesApiException e) when (e.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            if (_state != ApiState.Forbidden)
            {
                _state = ApiState.Forbidden;
                LogForbidden((int)e.StatusCode, Namespace);
            }
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or OperationCanceledException or IOException
                                      or System.Text.Json.JsonException)
        {
            if (_state != ApiState.Unreachable)
            {
                _state = ApiState.Unreachable;
                // Only the type and status: exception text may carry server output.
                LogUnreachable(e is KubernetesApiException { StatusCode: var code }
                    ? $"HTTP {(int)code}"
                    : e is OperationCanceledException ? $"no answer within {patience.TotalSeconds:0.###}s" : e.GetType().Name);
            }
        }

        return settings.RenewInterval;
    }

    /// <summary>Creates or renews this replica's Lease; a write that lost a race with another is read again and retried.</summary>
    private async Task RenewAsync(KubernetesApi client, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var now = MicroTime(time.GetUtcNow());
            if (_own is null)
            {
                try
                {
                    _own = await client.CreateLeaseAsync(Namespace, Lease(null, now), cancellationToken)
                        .ConfigureAwait(false);
                    return;
                }
                catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.Conflict && attempt < 3)
                {
                    // AlreadyExists: left by an earlier container of this pod, or our own create whose answer was lost.
                    _own = await ReadOwnAsync(client, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            try
            {
                _own = await client.ReplaceLeaseAsync(Namespace, PodName, Lease(_own, now), cancellationToken)
                    .ConfigureAwait(false);
                return;
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.Conflict && attempt < 3)
            {
                // Our resourceVersion is stale (our last answer was lost, or someone else wrote it): read it and write again.
                _own = await ReadOwnAsync(client, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound && attempt < 3)
            {
                _own = null;
            }
        }
    }

    private async Task<V1Lease?> ReadOwnAsync(KubernetesApi client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.ReadLeaseAsync(Namespace, PodName, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary><paramref name="now"/> to the microsecond, as the API server stores a MicroTime.</summary>
    private static DateTime MicroTime(DateTimeOffset now) => new(now.UtcTicks - (now.UtcTicks % 10), DateTimeKind.Utc);

    /// <summary>This replica's Lease renewed at <paramref name="now"/>: a new one, or <paramref name="current"/> with its resourceVersion.</summary>
    private V1Lease Lease(V1Lease? current, DateTime now)
    {
        var spec = current?.Spec;
        var taken = spec?.HolderIdentity != PodName;
        var labels = new Dictionary<string, string>(current?.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [LabelKey] = LabelValue,
        };
        return new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta
            {
                Name = PodName,
                NamespaceProperty = Namespace,
                Labels = labels,
                ResourceVersion = current?.Metadata?.ResourceVersion,
            },
            Spec = new V1LeaseSpec
            {
                HolderIdentity = PodName,
                LeaseDurationSeconds = options.Value.DurationSeconds,
                AcquireTime = taken ? now : spec!.AcquireTime ?? now,
                RenewTime = now,
                // client-go counts a change of holder as a transition.
                LeaseTransitions = current is null ? 0 : (spec?.LeaseTransitions ?? 0) + (taken ? 1 : 0),
            },
        };
    }

    /// <summary>This replica and every other Lease seen to change within its duration; and when the first of those expires.</summary>
    private (int Live, TimeSpan NextExpiry) Count(IList<V1Lease> leases, DateTimeOffset now)
    {
        var live = 1;
        var nextExpiry = DateTimeOffset.MaxValue;
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lease in leases)
        {
            if (lease.Metadata?.Name is not { } name || name == PodName)
            {
                continue;
            }

            listed.Add(name);
            var version = lease.Metadata.ResourceVersion ?? "";
            if (!_seen.TryGetValue(name, out var seen) || seen.ResourceVersion != version)
            {
                _seen[name] = seen = new Observed(version, now);
            }

            // A Lease given up (no holder) counts no longer; one without a duration lasts as long as ours.
            if (string.IsNullOrEmpty(lease.Spec?.HolderIdentity))
            {
                continue;
            }

            var duration = lease.Spec.LeaseDurationSeconds is > 0 and var seconds ? TimeSpan.FromSeconds(seconds)
                : TimeSpan.FromSeconds(options.Value.DurationSeconds);
            var expires = seen.At + duration;
            // Expired only when the list before this one also found it unchanged for nearly its duration: after this
            // replica itself stalled, a Lease whose holder stalled with it (one node, one CPU quota) is not dropped
            // before the holder had a round to renew it.
            var confirmed = _listed - seen.At >= duration - options.Value.RenewInterval;
            if (expires > now)
            {
                live++;
                nextExpiry = expires < nextExpiry ? expires : nextExpiry;
            }
            else if (!confirmed)
            {
                live++;
            }
        }

        foreach (var gone in _seen.Keys.Where(name => !listed.Contains(name)).ToList())
        {
            _seen.Remove(gone);
        }

        return (live, nextExpiry == DateTimeOffset.MaxValue ? TimeSpan.MaxValue : nextExpiry - now);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_client is null || _own is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(ReleaseTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _client.DeleteLeaseAsync(Namespace, PodName, linked.Token).ConfigureAwait(false);
            _own = null;
            LogReleased(Namespace, PodName);
        }
        catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            _own = null;
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or OperationCanceledException or IOException)
        {
            LogNotReleased(Namespace, PodName, e is KubernetesApiException { StatusCode: var code }
                ? string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)code}")
                : e.GetType().Name);
        }
    }

    private sealed record Observed(string ResourceVersion, DateTimeOffset At);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Information,
        Message = "Holding Lease {Namespace}/{Name} (renewed every {RenewSeconds}s, expires after {DurationSeconds}s); {Replicas} " +
            "replicas of this deployment are live")]
    private partial void LogHolding(string @namespace, string name, double renewSeconds, double durationSeconds, int replicas);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Warning,
        Message = "The Lease API answered {Status}: grant the webhook's ServiceAccount get, list, watch, create, update, patch and delete on leases (API " +
            "group coordination.k8s.io) with a Role in namespace {Namespace}; until then this replica keeps its Route53 budget share")]
    private partial void LogForbidden(int status, string @namespace);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Warning,
        Message = "The Lease API cannot be reached ({Detail}); this replica keeps its Route53 budget share until it answers")]
    private partial void LogUnreachable(string detail);

    [LoggerMessage(EventId = 3504, Level = LogLevel.Warning,
        Message = "POD_NAME and POD_NAMESPACE are not both set, so this replica holds no Lease and cannot count the others: it assumes " +
            "--route53-assumed-replicas replicas share the Route53 budget (set both from the downward API)")]
    private partial void LogNoPodIdentity();

    [LoggerMessage(EventId = 3505, Level = LogLevel.Warning,
        Message = "No Kubernetes API to hold a Lease with ({Detail}): this replica assumes --route53-assumed-replicas replicas share the Route53 budget")]
    private partial void LogNoKubernetesApi(string detail);

    [LoggerMessage(EventId = 3506, Level = LogLevel.Information,
        Message = "Released Lease {Namespace}/{Name}: the other replicas take its share of the Route53 budget")]
    private partial void LogReleased(string @namespace, string name);

    [LoggerMessage(EventId = 3507, Level = LogLevel.Warning,
        Message = "Could not delete Lease {Namespace}/{Name} at shutdown ({Detail}); the other replicas stop counting it once it expires")]
    private partial void LogNotReleased(string @namespace, string name, string detail);
}
