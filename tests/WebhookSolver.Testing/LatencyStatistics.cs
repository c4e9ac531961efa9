namespace WebhookSolver.Testing;

/// <summary>Summary figures of a set of measurements, as the benchmark prints them.</summary>
internal static class LatencyStatistics
{
    /// <summary>
    /// Nearest-rank percentile: the smallest sample with at least <paramref name="percent"/>% of the samples at or below it
    /// (so p100 is the maximum and p50 of an even count is the lower middle). NaN for no samples.
    /// </summary>
    public static double Percentile(IReadOnlyCollection<double> samples, double percent)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Max(rank, 1) - 1];
    }

    /// <summary><paramref name="baseline"/> / <paramref name="measured"/>: how many times smaller the measured figure is; NaN when undefined.</summary>
    public static double Ratio(double baseline, double measured) =>
        measured > 0 && !double.IsNaN(baseline) ? baseline / measured : double.NaN;
}
