using Microsoft.Extensions.Options;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Route53;

/// <summary>
/// This replica's part of the deployment's Route53 budget (<see cref="Route53Options.RequestsPerSecond"/> and
/// <see cref="Route53Options.Burst"/> are the whole deployment's): an equal share among the live replicas that
/// <see cref="ReplicaMembership"/> counts, recomputed when the count changes. Until the Lease API has answered the
/// share is that of <see cref="Route53Options.AssumedReplicas"/> replicas; afterwards the last count stands while
/// the API is unreachable. Never more than the whole budget. Without membership (the solver on its own) the
/// replica has the whole budget.
/// </summary>
internal sealed partial class Route53Budget : IHostedService, IDisposable
{
    private readonly IOptions<Route53Options> _options;
    private readonly Route53Metrics _metrics;
    private readonly ILogger<Route53Budget> _logger;
    private readonly ReplicaMembership? _membership;
    private readonly Lock _lock = new();
    private double _share;

    public Route53Budget(IOptions<Route53Options> options, Route53Metrics metrics, ILogger<Route53Budget> logger, ReplicaMembership? membership = null)
    {
        (_options, _metrics, _logger, _membership) = (options, metrics, logger, membership);
        if (membership is not null)
        {
            membership.Changed += OnMembershipChanged;
        }

        Recompute();
    }

    /// <summary>The fraction of the deployment's budget this replica spends: 1 / live replicas, at most 1.</summary>
    public double Share
    {
        get
        {
            lock (_lock)
            {
                return _share;
            }
        }
    }

    /// <summary>This replica's rate: its share of <c>--route53-requests-per-second</c>.</summary>
    public double RequestsPerSecond => _options.Value.RequestsPerSecond * Share;

    /// <summary>This replica's token-bucket size: its share of <c>--route53-burst</c> (a fraction: the parts add up to the whole).</summary>
    public double Burst => _options.Value.Burst * Share;

    private void OnMembershipChanged(object? sender, EventArgs e) => Recompute();

    private void Recompute()
    {
        var settings = _options.Value;
        var (replicas, basis) = _membership switch
        {
            null => (1, "alone"),
            { Replicas: { } counted, Counted: true } => (counted, "counted by Leases"),
            { Replicas: { } known } => (known, "local mode: no Leases"),
            _ => (Math.Max(1, settings.AssumedReplicas), "assumed until the Lease API answers"),
        };
        var share = Math.Min(1, 1.0 / replicas);
        lock (_lock)
        {
            if (share == _share)
            {
                return;
            }

            _share = share;
        }

        _metrics.BudgetShare(share);
        LogShare(_logger, replicas, basis, settings.RequestsPerSecond, settings.Burst, settings.RequestsPerSecond * share, settings.Burst * share);
    }

    /// <summary>Hosted only so that it exists from start-up — its gauge and log line — rather than from the first Route53 call.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        if (_membership is not null)
        {
            _membership.Changed -= OnMembershipChanged;
        }
    }

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information,
        Message = "Route53 budget: {Replicas} replica(s) ({Basis}) share {Rate:0.##} requests/s with burst {Burst}; this replica takes {ShareRate:0.###} " +
            "requests/s with burst {ShareBurst:0.##}")]
    private static partial void LogShare(ILogger logger, int replicas, string basis, double rate, int burst, double shareRate, double shareBurst);
}
