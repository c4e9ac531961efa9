using System.Diagnostics.Metrics;

namespace WebhookSolver.Kubernetes;

/// <summary>Lease membership on the process meter <see cref="WebhookMeter.Name"/>.</summary>
internal sealed class ReplicaMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Gauge<long> _replicasSeen;

    public ReplicaMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(WebhookMeter.Name);
        _replicasSeen =
            _meter.CreateGauge<long>("webhook_replicas_seen", description: "live replicas of this deployment (unexpired Leases, this one included)");
    }

    public void ReplicasSeen(int replicas) => _replicasSeen.Record(replicas);

    public void Dispose() => _meter.Dispose();
}
