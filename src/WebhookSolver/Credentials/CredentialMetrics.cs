using System.Diagnostics.Metrics;

namespace WebhookSolver.Credentials;

/// <summary>The STS credential cache's hit and miss counter on the process meter <see cref="WebhookMeter.Name"/>.</summary>
internal sealed class CredentialMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _credentialLookups;

    public CredentialMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(WebhookMeter.Name);
        _credentialLookups = _meter.CreateCounter<long>("webhook_credentials_cache_total", description: "credential lookups by result (hit or miss)");
    }

    public void CredentialLookup(bool cacheHit) =>
        _credentialLookups.Add(1, new KeyValuePair<string, object?>("result", cacheHit ? "hit" : "miss"));

    public void Dispose() => _meter.Dispose();
}
