using WebhookSolver.Testing;

namespace WebhookSolver.Bench;

/// <summary>Route53 calls by operation, as the fake counted them (throttled calls included: Route53 received them too).</summary>
internal sealed record CallCounts(IReadOnlyDictionary<string, int> ByOperation)
{
    public static readonly string[] Operations = ["ListHostedZonesByName", "ListResourceRecordSets", "ChangeResourceRecordSets", "GetChange"];

    public int Total => ByOperation.Values.Sum();

    public static CallCounts Of(FakeRoute53 fake) => new(Operations.ToDictionary(op => op, fake.Calls, StringComparer.Ordinal));

    public CallCounts Minus(CallCounts earlier) =>
        new(Operations.ToDictionary(op => op, op => ByOperation[op] - earlier.ByOperation[op], StringComparer.Ordinal));
}

/// <summary>One strategy against the throttled fake: all Presents at once, then all CleanUps.</summary>
internal sealed record StrategyResult(
    string Name,
    PhaseResult Present,
    CallCounts PresentCalls,
    long PresentThrottled,
    int LostValues,
    PhaseResult CleanUp,
    CallCounts CleanUpCalls,
    long CleanUpThrottled,
    int Leftovers,
    double IdleRssMiB,
    double PeakRssMiB,
    int UnexpectedCalls);

/// <summary>Server overhead against a fake that answers at once: Present latency and throughput at a fixed concurrency.</summary>
internal sealed record OverheadResult(
    string Name,
    PhaseResult Present,
    double RequestsPerSecond,
    int LostValues,
    int Leftovers,
    double IdleRssMiB,
    double LoadedRssMiB,
    double PeakRssMiB,
    int UnexpectedCalls);

internal sealed class Scenarios(BenchOptions options, string serverAssembly, HttpClient http, TextWriter log)
{
    /// <summary>cert-manager's built-in solver: one change per challenge, no zone cache, no client-side limit, polls GetChange until INSYNC.</summary>
    public IReadOnlyList<string> BaselineFlags =>
    [
        "--route53-batch-window=0s",
        "--Route53:ZoneCacheDuration=00:00:00",
        "--route53-requests-per-second=10000",
        "--route53-burst=10000",
        $"--route53-wait-for-insync={GoDuration(options.BaselineInsyncWait)}",
    ];

    /// <summary>Overhead runs lift the client-side limit, which would otherwise be what is measured.</summary>
    private static readonly string[] NoLimiter = ["--route53-requests-per-second=100000", "--route53-burst=100000"];

    public async Task<StrategyResult> ThrottledAsync(string name, IReadOnlyList<string> flags)
    {
        log.WriteLine($"[{name}] {options.Challenges} challenges over {options.Zones} zones, fake Route53 at {options.Rate} req/s burst {options.Burst}; server flags: {(flags.Count == 0 ? "(defaults)" : string.Join(' ', flags))}");
        var fake = await FakeRoute53.StartAsync();
        try
        {
            fake.AddCredentials(ServerProcess.AccessKey, ServerProcess.SecretKey);
            fake.InsyncDelay = options.InsyncDelay;
            var zones = AddZones(fake);
            var throttle = FakeRoute53Throttle.Attach(fake, options.Rate, options.Burst);
            var challenges = Challenge.Create("host", options.Challenges, zones);

            await using var server = await ServerProcess.StartAsync(serverAssembly, fake.Endpoint, flags, http);
            var idle = server.Memory().Rss;
            var load = new ChallengeLoad(http, SolverUri(server), log);

            var before = CallCounts.Of(fake);
            var present = await load.RunAsync(challenges, "Present", concurrency: 0, options.TimeCap);
            var presentCalls = CallCounts.Of(fake).Minus(before);
            var presentThrottled = throttle.Throttled;
            var lost = present.Done.Count(c => !fake.TxtTexts(c.ZoneId, c.Fqdn).Contains(c.Key));
            log.WriteLine($"[{name}] Present: {present.Succeeded}/{present.Challenges} in {present.Wall.TotalSeconds:0.0}s, {presentCalls.Total} Route53 calls, {presentThrottled} throttled, {present.FailedAttempts} failed attempts ({ChallengeLoad.Describe(present.Failures)})");

            var cleanUp = await load.RunAsync(challenges, "CleanUp", concurrency: 0, options.TimeCap);
            var cleanUpCalls = CallCounts.Of(fake).Minus(before).Minus(presentCalls);
            var leftovers = challenges.Sum(c => fake.TxtTexts(c.ZoneId, c.Fqdn).Count);
            log.WriteLine($"[{name}] CleanUp: {cleanUp.Succeeded}/{cleanUp.Challenges} in {cleanUp.Wall.TotalSeconds:0.0}s, {cleanUpCalls.Total} Route53 calls, {cleanUp.FailedAttempts} failed attempts ({ChallengeLoad.Describe(cleanUp.Failures)})");

            return new StrategyResult(name, present, presentCalls, presentThrottled, lost, cleanUp, cleanUpCalls, throttle.Throttled - presentThrottled,
                leftovers, idle, server.Memory().Peak, fake.Server.UnexpectedCalls.Count);
        }
        finally
        {
            await DisposeQuietlyAsync(fake);
        }
    }

    public async Task<IReadOnlyList<OverheadResult>> OverheadAsync()
    {
        var results = new List<OverheadResult>();
        foreach (var (name, flags) in new (string, string[])[]
                 {
                     ("defaults, limiter lifted", NoLimiter),
                     ("no batching, limiter lifted", [.. NoLimiter, "--route53-batch-window=0s"]),
                 })
        {
            results.Add(await OverheadAsync(name, flags));
        }

        return results;
    }

    private async Task<OverheadResult> OverheadAsync(string name, IReadOnlyList<string> flags)
    {
        log.WriteLine($"[overhead: {name}] {options.OverheadRequests} Presents at concurrency {options.OverheadConcurrency} against an instant, unthrottled fake; server flags: {string.Join(' ', flags)}");
        var fake = await FakeRoute53.StartAsync();
        try
        {
            fake.AddCredentials(ServerProcess.AccessKey, ServerProcess.SecretKey);
            var zones = AddZones(fake);
            await using var server = await ServerProcess.StartAsync(serverAssembly, fake.Endpoint, flags, http);
            var idle = server.Memory().Rss;
            var load = new ChallengeLoad(http, SolverUri(server), log);

            var warmUp = Challenge.Create("warm", Math.Min(200, options.OverheadRequests), zones);
            await load.RunAsync(warmUp, "Present", options.OverheadConcurrency, options.TimeCap);
            await load.RunAsync(warmUp, "CleanUp", options.OverheadConcurrency, options.TimeCap);

            var challenges = Challenge.Create("load", options.OverheadRequests, zones);
            var loaded = 0.0;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    loaded = Math.Max(loaded, server.Memory().Rss);
                    await Task.Delay(100, CancellationToken.None);
                }
            });
            var present = await load.RunAsync(challenges, "Present", options.OverheadConcurrency, options.TimeCap);
            await sampling.CancelAsync();
            await sampler;
            loaded = Math.Max(loaded, server.Memory().Rss);
            var lost = present.Done.Count(c => !fake.TxtTexts(c.ZoneId, c.Fqdn).Contains(c.Key));
            var peak = server.Memory().Peak;

            await load.RunAsync(challenges, "CleanUp", options.OverheadConcurrency, options.TimeCap);
            var leftovers = challenges.Concat(warmUp).Sum(c => fake.TxtTexts(c.ZoneId, c.Fqdn).Count);
            var rps = present.Succeeded / present.Wall.TotalSeconds;
            log.WriteLine($"[overhead: {name}] {present.Succeeded}/{present.Challenges} in {present.Wall.TotalSeconds:0.00}s = {rps:0} Presents/s, {present.FailedAttempts} failed attempts ({ChallengeLoad.Describe(present.Failures)})");
            return new OverheadResult(name, present, rps, lost, leftovers, idle, loaded, peak, fake.Server.UnexpectedCalls.Count);
        }
        finally
        {
            await DisposeQuietlyAsync(fake);
        }
    }

    private List<(string Id, string Name)> AddZones(FakeRoute53 fake) =>
        [.. Enumerable.Range(1, options.Zones).Select(k => $"zone{k}.bench.test").Select(zone => (fake.AddZone(zone), zone))];

    private static string GoDuration(TimeSpan duration) => duration.Milliseconds == 0
        ? $"{(long)duration.TotalSeconds}s"
        : $"{(long)duration.TotalMilliseconds}ms";

    private static Uri SolverUri(ServerProcess server) => new(server.BaseAddress, "apis/acme.example.com/v1alpha1/route53");

    /// <summary>Unexpected calls are reported with the figures; the fake's own complaint about them would hide the report.</summary>
    private async Task DisposeQuietlyAsync(FakeRoute53 fake)
    {
        try
        {
            await fake.DisposeAsync();
        }
        catch (InvalidOperationException e) when (e.Message.Contains("did not expect", StringComparison.Ordinal))
        {
            await log.WriteLineAsync(e.Message.Length > 2000 ? e.Message[..2000] + "..." : e.Message);
        }
    }
}
