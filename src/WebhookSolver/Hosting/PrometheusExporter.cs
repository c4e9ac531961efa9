using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace WebhookSolver.Hosting;

/// <summary>
/// Collects the measurements of the <see cref="WebhookMeter.Name"/> meter — counters, gauges and histograms —
/// and writes them in the Prometheus text exposition format (version 0.0.4).
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();

    /// <param name="meters">only meters made by this factory are exported (tests run several servers in one process)</param>
    public PrometheusExporter(IMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == WebhookMeter.Name && ReferenceEquals(instrument.Meter.Scope, meters) && instrument is Counter<long> or Histogram<double> or Counter<double> or UpDownCounter<long> or Gauge<double> or Gauge<long>)
            {
                _series.TryAdd(instrument, new Series(instrument));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, Labels(tags));
        }
    }

    public string Export()
    {
        var text = new StringBuilder();
        foreach (var series in _series.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            series.WriteTo(text);
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return "";
        }

        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var escaped = Convert.ToString(value, CultureInfo.InvariantCulture)?
                .Replace("\\", "\\\\", StringComparison.Ordinal)
                .Replace("\"", "\\\"", StringComparison.Ordinal)
                .Replace("\n", "\\n", StringComparison.Ordinal);
            pairs.Add($"{key}=\"{escaped}\"");
        }

        pairs.Sort(StringComparer.Ordinal);
        return string.Join(",", pairs);
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private sealed class Series(Instrument instrument)
    {
        private readonly bool _histogram = instrument is Histogram<double>;

        /// <summary>A gauge reports its last value; counters and histograms add up.</summary>
        private readonly bool _lastValue = instrument is Gauge<double> or Gauge<long>;
        private readonly double[] _bounds = (instrument as Histogram<double>)?.Advice?.HistogramBucketBoundaries?.ToArray() ?? [];
        private readonly ConcurrentDictionary<string, Cell> _cells = new();

        public string Name { get; } = instrument.Name;

        public void Record(double value, string labels)
        {
            var cell = _cells.GetOrAdd(labels, _ => new Cell(_bounds.Length));
            lock (cell)
            {
                cell.Sum = _lastValue ? value : cell.Sum + value;
                cell.Count++;
                for (var i = 0; i < _bounds.Length; i++)
                {
                    if (value <= _bounds[i])
                    {
                        cell.Buckets[i]++;
                    }
                }
            }
        }

        public void WriteTo(StringBuilder text)
        {
            if (!string.IsNullOrEmpty(instrument.Description))
            {
                text.Append(CultureInfo.InvariantCulture, $"# HELP {Name} {instrument.Description}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"# TYPE {Name} {(_histogram ? "histogram" : instrument is UpDownCounter<long> || _lastValue ? "gauge" : "counter")}\n");
            foreach (var (labels, cell) in _cells.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                lock (cell)
                {
                    if (!_histogram)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"{Name}{Braces(labels)} {Number(cell.Sum)}\n");
                        continue;
                    }

                    for (var i = 0; i < _bounds.Length; i++)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"{Name}_bucket{Braces(Join(labels, $"le=\"{Number(_bounds[i])}\""))} {cell.Buckets[i]}\n");
                    }

                    text.Append(CultureInfo.InvariantCulture, $"{Name}_bucket{Braces(Join(labels, "le=\"+Inf\""))} {cell.Count}\n");
                    text.Append(CultureInfo.InvariantCulture, $"{Name}_sum{Braces(labels)} {Number(cell.Sum)}\n");
                    text.Append(CultureInfo.InvariantCulture, $"{Name}_count{Braces(labels)} {cell.Count}\n");
                }
            }
        }

        private static string Join(string labels, string extra) => labels.Length == 0 ? extra : $"{labels},{extra}";

        private static string Braces(string labels) => labels.Length == 0 ? "" : $"{{{labels}}}";
    }

    private sealed class Cell(int buckets)
    {
        public double Sum { get; set; }

        public long Count { get; set; }

        public long[] Buckets { get; } = new long[buckets];
    }
}
