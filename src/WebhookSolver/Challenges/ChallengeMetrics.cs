using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace WebhookSolver.Challenges;

/// <summary>Present and CleanUp counters and latency on the process meter <see cref="WebhookMeter.Name"/>.</summary>
internal sealed class ChallengeMetrics : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60];

    private readonly Meter _meter;
    private readonly Counter<long> _challenges;
    private readonly Histogram<double> _challengeSeconds;

    public ChallengeMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(WebhookMeter.Name);
        _challenges = _meter.CreateCounter<long>("webhook_challenge_requests_total", description: "Present and CleanUp calls by action and outcome");
        _challengeSeconds = _meter.CreateHistogram("webhook_challenge_duration_seconds", unit: "s",
            description: "time to answer a Present or CleanUp", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    }

    public void ChallengeAnswered(string action, bool success, TimeSpan elapsed)
    {
        var tags = new TagList { { "action", action }, { "outcome", success ? "success" : "failure" } };
        _challenges.Add(1, tags);
        _challengeSeconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("action", action));
    }

    public void Dispose() => _meter.Dispose();
}
