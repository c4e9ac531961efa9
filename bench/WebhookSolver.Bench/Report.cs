using System.Globalization;
using WebhookSolver.Testing;

namespace WebhookSolver.Bench;

/// <summary>Prints the figures as plain-text tables (stdout); progress goes to stderr.</summary>
internal static class Report
{
    private const double TargetRatio = 10;
    private static readonly string[] Header = ["", "coalesced", "baseline", "baseline/coalesced"];

    public static void Print(
        TextWriter output, BenchOptions options, IReadOnlyList<string> baselineFlags,
        StrategyResult? coalesced, StrategyResult? baseline, IReadOnlyList<OverheadResult> overhead)
    {
        if (coalesced is not null || baseline is not null)
        {
            PrintThrottled(output, options, baselineFlags, coalesced, baseline);
        }

        if (overhead.Count > 0)
        {
            PrintOverhead(output, options, overhead);
        }
    }

    /// <summary>The new strategy and the previous one (Route53:WriteStrategy=FixedWindow, burst 10) side by side.</summary>
    public static void PrintStrategies(
        TextWriter output, BenchOptions options, IReadOnlyList<SequentialResult> sequential, IReadOnlyList<(string Wave, StrategyResult Result)> waves)
    {
        output.WriteLine();
        output.WriteLine("Strategies: new = the defaults (group commit, CREATE-first, remembered sets, burst 3);");
        output.WriteLine($"            previous = {string.Join(' ', Scenarios.PreviousFlags)} (fixed 200 ms window, every name read first, burst 10)");
        if (sequential.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(Invariant($"Uncontended: {options.SequentialChallenges} challenges one at a time (all Presents, then all CleanUps) on a fresh ") +
                Invariant($"server, then 100 untimed and {options.SequentialRequests} timed sequential Presents; instant fake, client-side limit lifted"));
            output.WriteLine();
            List<string[]> rows = [["", .. sequential.Select(r => r.Name)]];
            void Row(string label, Func<SequentialResult, double> figure, string format)
                => rows.Add([label, .. sequential.Select(r => Number(figure(r), format))]);
            Row("Lone Present latency p50 (ms)", r => LatencyStatistics.Percentile(r.Timed.CallLatenciesMs, 50), "0.0");
            Row("Lone Present latency p99 (ms)", r => LatencyStatistics.Percentile(r.Timed.CallLatenciesMs, 99), "0.0");
            Row("Route53 calls per Present (zone lookups excluded)",
                r => (double)(r.PresentCalls.Total - r.PresentCalls.ByOperation["ListHostedZonesByName"]) / r.Challenges, "0.00");
            Row("Route53 calls per CleanUp", r => (double)r.CleanUpCalls.Total / r.Challenges, "0.00");
            Row(Invariant($"Route53 calls for all {options.SequentialChallenges} challenges, lookups included"),
                r => r.PresentCalls.Total + r.CleanUpCalls.Total, "0");
            Row("  of which ListHostedZonesByName",
                r => r.PresentCalls.ByOperation["ListHostedZonesByName"] + r.CleanUpCalls.ByOperation["ListHostedZonesByName"], "0");
            Row("  of which ListResourceRecordSets",
                r => r.PresentCalls.ByOperation["ListResourceRecordSets"] + r.CleanUpCalls.ByOperation["ListResourceRecordSets"], "0");
            Row("  of which ChangeResourceRecordSets",
                r => r.PresentCalls.ByOperation["ChangeResourceRecordSets"] + r.CleanUpCalls.ByOperation["ChangeResourceRecordSets"], "0");
            Row("Idle RSS after start-up (MiB)", r => r.IdleRssMiB, "0.0");
            Row("Loaded RSS, max sampled (MiB)", r => r.LoadedRssMiB, "0.0");
            Row("Peak RSS, VmHWM (MiB)", r => r.PeakRssMiB, "0.0");
            Row("Lost values / leftovers / unexpected calls", r => r.LostValues + r.Leftovers + r.UnexpectedCalls, "0");
            Table(output, rows);
        }

        foreach (var wave in waves.GroupBy(w => w.Wave))
        {
            var results = wave.Select(w => w.Result).ToList();
            output.WriteLine();
            output.WriteLine(Invariant($"Wave: {wave.Key}, over {options.Zones} zones; fake Route53 at {options.Rate:0.##} req/s ") +
                Invariant($"(burst {options.Burst}), Throttling beyond"));
            output.WriteLine();
            List<string[]> rows = [["", .. results.Select(r => r.Name[(r.Name.IndexOf(": ", StringComparison.Ordinal) + 2)..])]];
            void Row(string label, Func<StrategyResult, double> figure, string format) => rows.Add([label, .. results.Select(r => Number(figure(r), format))]);
            Row("Route53 calls during the Presents", r => r.PresentCalls.Total, "0");
            Row("  per challenge", r => (double)r.PresentCalls.Total / r.Present.Challenges, "0.000");
            Row("  LHZ / LRRS / CRRS / GetChange", r => double.NaN, "0");
            rows[^1] = [rows[^1][0], .. results.Select(r => string.Join(" / ", CallCounts.Operations.Select(op => r.PresentCalls.ByOperation[op])))];
            Row("Throttling responses (Presents)", r => r.PresentThrottled, "0");
            Row("Wall time until every Present succeeded (s)", r => r.Present.Wall.TotalSeconds, "0.00");
            Row("Present latency p50 (ms, per call)", r => LatencyStatistics.Percentile(r.Present.CallLatenciesMs, 50), "0");
            Row("Present latency p99 (ms, per call)", r => LatencyStatistics.Percentile(r.Present.CallLatenciesMs, 99), "0");
            Row("Present calls failed", r => r.Present.FailedAttempts, "0");
            Row("Route53 calls during the CleanUps", r => r.CleanUpCalls.Total, "0");
            Row("Throttling responses (CleanUps)", r => r.CleanUpThrottled, "0");
            Row("Wall time until every CleanUp succeeded (s)", r => r.CleanUp.Wall.TotalSeconds, "0.00");
            Row("Lost values / leftovers", r => r.LostValues + r.Leftovers, "0");
            Row("Server RSS idle / peak (MiB)", r => double.NaN, "0");
            rows[^1] = [rows[^1][0], .. results.Select(r => Invariant($"{r.IdleRssMiB:0.0} / {r.PeakRssMiB:0.0}"))];
            Table(output, rows);
        }
    }

    private static void PrintThrottled(TextWriter output, BenchOptions options, IReadOnlyList<string> baselineFlags, StrategyResult? c, StrategyResult? b)
    {
        output.WriteLine();
        output.WriteLine(Invariant($"Throttled Route53: {options.Challenges} concurrent challenges over {options.Zones} zones; fake Route53 ") +
            Invariant($"allows {options.Rate:0.##} req/s (burst {options.Burst}) and answers Throttling beyond; a change is INSYNC ") +
            Invariant($"after {options.InsyncDelay.TotalSeconds:0.#}s"));
        output.WriteLine("  coalesced: server defaults");
        output.WriteLine($"  baseline:  cert-manager's built-in strategy, one call per challenge: {string.Join(' ', baselineFlags)}");
        output.WriteLine();

        var rows = new List<string[]> { Header };
        void Row(string label, Func<StrategyResult, double> figure, string format, bool ratio = true)
        {
            var cv = c is null ? double.NaN : figure(c);
            var bv = b is null ? double.NaN : figure(b);
            rows.Add([label, Number(cv, format), Number(bv, format), ratio ? Times(LatencyStatistics.Ratio(bv, cv)) : ""]);
        }

        rows.Add(["Present (all at once)", "", "", ""]);
        Row("  Route53 calls", r => r.PresentCalls.Total, "0");
        Row("    per challenge", r => (double)r.PresentCalls.Total / r.Present.Challenges, "0.00");
        foreach (var operation in CallCounts.Operations)
        {
            Row($"    {operation}", r => r.PresentCalls.ByOperation[operation], "0");
        }

        Row("  Throttling responses", r => r.PresentThrottled, "0");
        Row("  Wall time until every Present succeeded (s)", r => r.Present.Wall.TotalSeconds, "0.0");
        Row("  Present calls made", r => r.Present.Attempts, "0");
        Row("  Present calls failed (retried after 1-5 s)", r => r.Present.FailedAttempts, "0");
        Row("  Present latency p50 (ms, per call)", r => LatencyStatistics.Percentile(r.Present.CallLatenciesMs, 50), "0");
        Row("  Present latency p99 (ms, per call)", r => LatencyStatistics.Percentile(r.Present.CallLatenciesMs, 99), "0");
        Row("  Time to success p50 (ms, incl. retries)", r => LatencyStatistics.Percentile(r.Present.TimeToSuccessMs, 50), "0");
        Row("  Time to success p99 (ms, incl. retries)", r => LatencyStatistics.Percentile(r.Present.TimeToSuccessMs, 99), "0");
        Row("  Challenges never presented (time cap)", r => r.Present.Challenges - r.Present.Succeeded, "0", ratio: false);
        Row("  Lost values (key missing after a successful Present)", r => r.LostValues, "0", ratio: false);
        rows.Add(["CleanUp (all at once)", "", "", ""]);
        Row("  Route53 calls", r => r.CleanUpCalls.Total, "0");
        Row("  Throttling responses", r => r.CleanUpThrottled, "0");
        Row("  Wall time until every CleanUp succeeded (s)", r => r.CleanUp.Wall.TotalSeconds, "0.0");
        Row("  CleanUp calls failed", r => r.CleanUp.FailedAttempts, "0");
        Row("  Challenges never cleaned up (time cap)", r => r.CleanUp.Challenges - r.CleanUp.Succeeded, "0", ratio: false);
        Row("  Leftover values (TXT still present)", r => r.Leftovers, "0", ratio: false);
        rows.Add(["Server process", "", "", ""]);
        Row("  Idle RSS after start-up (MiB)", r => r.IdleRssMiB, "0.0", ratio: false);
        Row("  Peak RSS, VmHWM (MiB)", r => r.PeakRssMiB, "0.0", ratio: false);
        Row("  Calls the fake did not expect", r => r.UnexpectedCalls, "0", ratio: false);
        Table(output, rows);

        foreach (var r in new[] { c, b }.OfType<StrategyResult>())
        {
            if (r.Present.CapHit || r.CleanUp.CapHit)
            {
                output.WriteLine(Invariant($"  {r.Name}: TIME CAP of {options.TimeCap.TotalMinutes:0.#} min hit; the wall time is the cap, not completion"));
            }

            if (r.Present.Failures.Count > 0)
            {
                output.WriteLine($"  {r.Name} Present failures: {ChallengeLoad.Describe(r.Present.Failures)}");
            }
        }

        if (c is not null && b is not null)
        {
            var calls = LatencyStatistics.Ratio(b.PresentCalls.Total, c.PresentCalls.Total);
            var wall = LatencyStatistics.Ratio(b.Present.Wall.TotalSeconds, c.Present.Wall.TotalSeconds);
            output.WriteLine();
            output.WriteLine(Invariant($"Target (>= {TargetRatio:0}x fewer Route53 calls and >= {TargetRatio:0}x less wall time than the baseline, zero ") +
                "lost values, no Present failing):");
            output.WriteLine($"  Route53 calls:  {Times(calls)} fewer  {Verdict(calls >= TargetRatio)}");
            output.WriteLine($"  wall time:      {Times(wall)} less  {Verdict(wall >= TargetRatio)}");
            var unpresented = c.Present.Challenges - c.Present.Succeeded;
            output.WriteLine(unpresented == 0
                ? $"  lost values:    {c.LostValues}  {Verdict(c.LostValues == 0)}"
                : $"  lost values:    {c.LostValues}, but {unpresented} challenges never presented (time cap)  {Verdict(false)}");
            output.WriteLine($"  Present failed: {c.Present.FailedAttempts} of {c.Present.Attempts} calls  {Verdict(c.Present.FailedAttempts == 0)}");
        }
    }

    private static void PrintOverhead(TextWriter output, BenchOptions options, IReadOnlyList<OverheadResult> results)
    {
        output.WriteLine();
        output.WriteLine(Invariant($"Server overhead: {options.OverheadRequests} Presents at concurrency {options.OverheadConcurrency} over {options.Zones} ") +
            "zones against a fake Route53 that answers at once (no throttle, client-side limit lifted), after 200 warm-up challenges");
        output.WriteLine();
        List<string[]> rows = [["", .. results.Select(r => r.Name)]];
        void Row(string label, Func<OverheadResult, double> figure, string format) =>
            rows.Add([label, .. results.Select(r => Number(figure(r), format))]);

        Row("Present latency p50 (ms)", r => LatencyStatistics.Percentile(r.Present.CallLatenciesMs, 50), "0.0");
        Row("Present latency p99 (ms)", r => LatencyStatistics.Percentile(r.Present.CallLatenciesMs, 99), "0.0");
        Row("Presents per second", r => r.RequestsPerSecond, "0");
        Row("Present calls failed", r => r.Present.FailedAttempts, "0");
        Row("Idle RSS after start-up (MiB)", r => r.IdleRssMiB, "0.0");
        Row("Loaded RSS, max sampled (MiB)", r => r.LoadedRssMiB, "0.0");
        Row("Peak RSS, VmHWM (MiB)", r => r.PeakRssMiB, "0.0");
        Row("Lost values / leftovers", r => r.LostValues + r.Leftovers, "0");
        Row("Calls the fake did not expect", r => r.UnexpectedCalls, "0");
        Table(output, rows);
    }

    public static void PrintReplicas(TextWriter output, BenchOptions options, IReadOnlyList<ReplicasResult> results)
    {
        if (results.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine(Invariant($"Replicas: {options.Challenges} challenges at once over {options.Zones} zones, ") +
            "each webhook call to the next server in turn; " +
            Invariant($"every server --route53-requests-per-second={options.BudgetRate:0.##} --route53-burst={options.BudgetBurst} ") +
            "(the deployment's budget), Leases renewed every 5 s; " +
            Invariant($"fake Route53 allows {options.Rate:0.##} req/s (burst {options.Burst})"));
        output.WriteLine();
        List<string[]> rows = [["", .. results.Select(r => r.Replicas == 1 ? "1 replica" : $"{r.Replicas} replicas")]];
        void Row(string label, Func<ReplicasResult, double> figure, string format) =>
            rows.Add([label, .. results.Select(r => Number(figure(r), format))]);

        Row(Invariant($"Smallest burst at {options.BudgetRate:0.##} req/s that all calls fit"), r => r.SmallestBurst, "0.00");
        Row("Most Route53 calls in one second", r => r.BusiestSecond, "0");
        Row("Throttling answers", r => r.Throttled, "0");
        Row("Route53 calls (Present and CleanUp)", r => r.Calls, "0");
        Row("  per challenge", r => r.CallsPerChallenge, "0.00");
        Row("Wall time until every Present succeeded (s)", r => r.PresentWall.TotalSeconds, "0.0");
        Row("Wall time until every CleanUp succeeded (s)", r => r.CleanUpWall.TotalSeconds, "0.0");
        Row("Webhook calls failed (retried after 1-5 s)", r => r.FailedAttempts, "0");
        Row("Lost values / leftovers", r => r.LostValues + r.Leftovers, "0");
        Row("Calls the fakes did not expect", r => r.UnexpectedCalls, "0");
        Table(output, rows);
        foreach (var r in results.Where(r => r.CapHit))
        {
            output.WriteLine(Invariant($"  {r.Replicas} replicas: TIME CAP of {options.TimeCap.TotalMinutes:0.#} min hit"));
        }
    }

    private static void Table(TextWriter output, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            var cells = row.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(Math.Max(widths[i], 12)));
            output.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }

    private static string Number(double value, string format) => double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string Times(double ratio) => double.IsNaN(ratio) ? "-" : ratio.ToString("0.0", CultureInfo.InvariantCulture) + "x";

    private static string Verdict(bool met) => met ? "met" : "NOT MET";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
