using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace WebhookSolver.Route53;

/// <summary>Route53 call, throttling, retry, batch-size and budget-share instruments on the process meter <see cref="WebhookMeter.Name"/>.</summary>
internal sealed class Route53Metrics : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60];
    private static readonly double[] SizeBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

    private readonly Meter _meter;
    private readonly Counter<long> _route53Calls;
    private readonly Histogram<double> _route53Seconds;
    private readonly Counter<long> _route53Throttled;
    private readonly Counter<long> _route53Retries;
    private readonly Histogram<double> _batchSize;
    private readonly Counter<long> _inDoubtChanges;
    private readonly Counter<long> _inDoubtRepairs;
    private readonly Gauge<double> _budgetShare;

    public Route53Metrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(WebhookMeter.Name);
        _route53Calls = _meter.CreateCounter<long>("webhook_route53_requests_total", description: "Route53 API calls by operation and outcome");
        _route53Seconds = _meter.CreateHistogram("webhook_route53_request_duration_seconds", unit: "s",
            description: "Route53 API call latency", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _route53Throttled =
            _meter.CreateCounter<long>("webhook_route53_throttled_total", description: "Route53 answers of Throttling or PriorRequestNotComplete");
        _route53Retries = _meter.CreateCounter<long>("webhook_route53_retries_total", description: "Route53 calls retried after a transient failure");
        _batchSize = _meter.CreateHistogram("webhook_route53_change_batch_size",
            description: "record changes per ChangeResourceRecordSets call", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SizeBuckets });
        _inDoubtChanges = _meter.CreateCounter<long>("webhook_route53_in_doubt_changes_total",
            description: "ChangeResourceRecordSets requests that may have been applied without a readable answer, by reason");
        _inDoubtRepairs = _meter.CreateCounter<long>("webhook_route53_in_doubt_repairs_total",
            description: "challenge keys put back to their final state after a change in doubt landed late");
        _budgetShare =
            _meter.CreateGauge<double>("webhook_route53_budget_share", description: "fraction of the deployment's Route53 rate and burst this replica spends");
    }

    /// <param name="outcome">"success", or the Route53 error code / "http_5xx" / "timeout" / "connection"</param>
    public void Route53Call(string operation, string outcome, TimeSpan elapsed)
    {
        _route53Calls.Add(1, new TagList { { "operation", operation }, { "outcome", outcome } });
        _route53Seconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
    }

    public void Route53Throttled(string operation, string code) =>
        _route53Throttled.Add(1, new TagList { { "operation", operation }, { "code", code } });

    public void Route53Retry(string operation) => _route53Retries.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void ChangeBatchSent(int changes) => _batchSize.Record(changes);

    /// <param name="reason">"timeout", "connection", "http_5xx", "malformed" or "cancelled"</param>
    public void Route53ChangeInDoubt(string reason) => _inDoubtChanges.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Route53InDoubtRepaired() => _inDoubtRepairs.Add(1);
    public void BudgetShare(double share) => _budgetShare.Record(share);

    public void Dispose() => _meter.Dispose();
}
