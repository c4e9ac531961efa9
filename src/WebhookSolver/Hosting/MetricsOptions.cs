namespace WebhookSolver.Hosting;

internal sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Plain-HTTP port that serves only /metrics; 0 turns it off.</summary>
    public int Port { get; set; } = 9402;
}
