namespace WebhookSolver;

/// <summary>
/// The one <see cref="System.Diagnostics.Metrics.Meter"/> name every feature records its instruments on; the
/// metrics exporter publishes whatever this meter carries. Instrument names are the Prometheus names.
/// </summary>
internal static class WebhookMeter
{
    public const string Name = "WebhookSolver";
}
