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

/// <summary>Uncontended challenges one at a time: calls per operation, and sequential Present latency.</summary>
internal sealed record SequentialResult(
    string Name,
    int Challenges,
    CallCounts PresentCalls,
    CallCounts CleanUpCalls,
    PhaseResult Timed,
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

    /// <param name="challengeCount">challenges of the wave (default: --challenges)</param>
    /// <param name="concurrency">Presents (and CleanUps) in flight at once; 0: all at once</param>
    public async Task<StrategyResult> ThrottledAsync(string name, IReadOnlyList<string> flags, int? challengeCount = null, int concurrency = 0)
    {
        var count = challengeCount ?? options.Challenges;
        log.WriteLine($"[{name}] {count} challenges over {options.Zones} zones ({(concurrency == 0 ? "all at once" : $"{concurrency} in flight")}), fake " +
            $"Route53 at {options.Rate} req/s burst {options.Burst}; server flags: {(flags.Count == 0 ? "(defaults)" : string.Join(' ', flags))}");
        FakeRoute53Throttle throttle = null!;
        await using var target = await StartTargetAsync(flags, fake =>
        {
            fake.InsyncDelay = options.InsyncDelay;
            throttle = FakeRoute53Throttle.Attach(fake, options.Rate, options.Burst);
        });
        var (fake, zones, server, load) = (target.Fake, target.Zones, target.Server, target.Load);
        var challenges = Challenge.Create("host", count, zones);
        var idle = server.Memory().Rss;

        var before = CallCounts.Of(fake);
        var present = await load.RunAsync(challenges, "Present", concurrency, options.TimeCap);
        var presentCalls = CallCounts.Of(fake).Minus(before);
        var presentThrottled = throttle.Throttled;
        var lost = present.Done.Count(c => !fake.TxtTexts(c.ZoneId, c.Fqdn).Contains(c.Key));
        log.WriteLine($"[{name}] Present: {present.Succeeded}/{present.Challenges} in {present.Wall.TotalSeconds:0.0}s, {presentCalls.Total} Route53 " +
            $"calls, {presentThrottled} throttled, {present.FailedAttempts} failed attempts ({ChallengeLoad.Describe(present.Failures)})");

        var cleanUp = await load.RunAsync(challenges, "CleanUp", concurrency, options.TimeCap);
        var cleanUpCalls = CallCounts.Of(fake).Minus(before).Minus(presentCalls);
        var leftovers = challenges.Sum(c => fake.TxtTexts(c.ZoneId, c.Fqdn).Count);
        log.WriteLine($"[{name}] CleanUp: {cleanUp.Succeeded}/{cleanUp.Challenges} in {cleanUp.Wall.TotalSeconds:0.0}s, {cleanUpCalls.Total} Route53 " +
            $"calls, {cleanUp.FailedAttempts} failed attempts ({ChallengeLoad.Describe(cleanUp.Failures)})");

        return new StrategyResult(name, present, presentCalls, presentThrottled, lost, cleanUp, cleanUpCalls, throttle.Throttled - presentThrottled,
            leftovers, idle, server.Memory().Peak, fake.Server.UnexpectedCalls.Count);
    }

    /// <summary>The server's strategy before group commit and CREATE-first, with that version's defaults.</summary>
    public static readonly string[] PreviousFlags = ["--Route53:WriteStrategy=FixedWindow", "--route53-burst=10"];

    /// <summary>The strategies compared side by side: the new defaults and the switch that restores the previous strategy.</summary>
    public static readonly (string Name, string[] Flags)[] Strategies = [("new", []), ("previous", PreviousFlags)];

    /// <summary>Latency and calls: the new defaults, the previous strategy, and the new one with every round leaving at once.</summary>
    public static readonly (string Name, string[] Flags)[] LatencyStrategies = [.. Strategies, ("new, window 0s", ["--route53-batch-window=0s"])];

    public async Task<IReadOnlyList<OverheadResult>> OverheadAsync()
    {
        var results = new List<OverheadResult>();
        foreach (var (name, flags) in LatencyStrategies)
        {
            results.Add(await OverheadAsync(name, [.. flags, .. NoLimiter]));
        }

        return results;
    }

    /// <summary>
    /// This process compiles its own code (the HTTPS client, the fake) as it first runs it, so whichever strategy were
    /// timed first would pay for that: a throwaway server takes sequential Presents before any figure is taken.
    /// </summary>
    public async Task WarmUpAsync()
    {
        log.WriteLine("[warm-up] 2000 sequential Presents and CleanUps against a throwaway server; nothing is reported");
        await using var target = await StartTargetAsync(NoLimiter);
        await PresentAndCleanUpAsync(target, Challenge.Create("bench-warm", 2000, target.Zones), concurrency: 1);
    }

    /// <summary>
    /// Uncontended challenges, one at a time, against an instant fake with the client-side limit lifted: Route53 calls
    /// per Present and per CleanUp (a fresh server, so the first call per zone looks the zone up), then the latency of
    /// sequential Presents after 100 untimed ones.
    /// </summary>
    public async Task<SequentialResult> SequentialAsync(string name, IReadOnlyList<string> strategyFlags)
    {
        string[] flags = [.. strategyFlags, .. NoLimiter];
        log.WriteLine($"[sequential: {name}] {options.SequentialChallenges} challenges one at a time, then 100 untimed and " +
            $"{options.SequentialRequests} timed sequential Presents; " +
            $"server flags: {string.Join(' ', flags)}");
        await using var target = await StartTargetAsync(flags);
        var (fake, zones, server, load) = (target.Fake, target.Zones, target.Server, target.Load);
        var idle = server.Memory().Rss;

        var run = Challenge.Create("seq", options.SequentialChallenges, zones);
        var before = CallCounts.Of(fake);
        await load.RunAsync(run, "Present", concurrency: 1, options.TimeCap);
        var presentCalls = CallCounts.Of(fake).Minus(before);
        var lost = run.Count(c => !fake.TxtTexts(c.ZoneId, c.Fqdn).Contains(c.Key));
        await load.RunAsync(run, "CleanUp", concurrency: 1, options.TimeCap);
        var cleanUpCalls = CallCounts.Of(fake).Minus(before).Minus(presentCalls);
        var leftovers = run.Sum(c => fake.TxtTexts(c.ZoneId, c.Fqdn).Count);

        // Both processes compile as they go (tiered JIT, the fake in this one): latency is measured once that has settled.
        await PresentAndCleanUpAsync(target, Challenge.Create("warm", 100, zones), concurrency: 1);

        var timed = Challenge.Create("lone", options.SequentialRequests, zones);
        var (present, loaded) = await WithHighestRssAsync(server, () => load.RunAsync(timed, "Present", concurrency: 1, options.TimeCap));
        await load.RunAsync(timed, "CleanUp", concurrency: 1, options.TimeCap);
        leftovers += timed.Sum(c => fake.TxtTexts(c.ZoneId, c.Fqdn).Count);
        lost += options.SequentialRequests - present.Succeeded;
        log.WriteLine($"[sequential: {name}] {presentCalls.Total} calls for {run.Count} Presents, {cleanUpCalls.Total} for their CleanUps");
        return new SequentialResult(name, run.Count, presentCalls, cleanUpCalls, present, lost, leftovers, idle, loaded, server.Memory().Peak,
            fake.Server.UnexpectedCalls.Count);
    }

    private async Task<OverheadResult> OverheadAsync(string name, IReadOnlyList<string> flags)
    {
        log.WriteLine($"[overhead: {name}] {options.OverheadRequests} Presents at concurrency {options.OverheadConcurrency} against an instant, unthrottled " +
            $"fake; server flags: {string.Join(' ', flags)}");
        await using var target = await StartTargetAsync(flags);
        var (fake, zones, server, load) = (target.Fake, target.Zones, target.Server, target.Load);
        var idle = server.Memory().Rss;

        var warmUp = Challenge.Create("warm", Math.Min(200, options.OverheadRequests), zones);
        await PresentAndCleanUpAsync(target, warmUp, options.OverheadConcurrency);

        var challenges = Challenge.Create("load", options.OverheadRequests, zones);
        var (present, loaded) = await WithHighestRssAsync(server,
            () => load.RunAsync(challenges, "Present", options.OverheadConcurrency, options.TimeCap));
        var lost = present.Done.Count(c => !fake.TxtTexts(c.ZoneId, c.Fqdn).Contains(c.Key));
        var peak = server.Memory().Peak;

        await load.RunAsync(challenges, "CleanUp", options.OverheadConcurrency, options.TimeCap);
        var leftovers = challenges.Concat(warmUp).Sum(c => fake.TxtTexts(c.ZoneId, c.Fqdn).Count);
        var rps = present.Succeeded / present.Wall.TotalSeconds;
        log.WriteLine($"[overhead: {name}] {present.Succeeded}/{present.Challenges} in {present.Wall.TotalSeconds:0.00}s = {rps:0} " +
            $"Presents/s, {present.FailedAttempts} failed attempts ({ChallengeLoad.Describe(present.Failures)})");
        return new OverheadResult(name, present, rps, lost, leftovers, idle, loaded, peak, fake.Server.UnexpectedCalls.Count);
    }

    /// <summary>Runs <paramref name="phase"/> while sampling the server's RSS every 100 ms; the highest sample comes back with its result.</summary>
    private static async Task<(T Result, double HighestRss)> WithHighestRssAsync<T>(ServerProcess server, Func<Task<T>> phase)
    {
        var highest = 0.0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                highest = Math.Max(highest, server.Memory().Rss);
                await Task.Delay(100, CancellationToken.None);
            }
        });
        var result = await phase();
        await sampling.CancelAsync();
        await sampler;
        return (result, Math.Max(highest, server.Memory().Rss));
    }

    /// <summary>A fake Route53 with the benchmark's credentials and zones, and a server process against it; both end on dispose.</summary>
    private sealed class Target(FakeRoute53 fake, List<(string Id, string Name)> zones, ServerProcess server, ChallengeLoad load, Scenarios owner)
        : IAsyncDisposable
    {
        public FakeRoute53 Fake { get; } = fake;

        public List<(string Id, string Name)> Zones { get; } = zones;

        public ServerProcess Server { get; } = server;

        public ChallengeLoad Load { get; } = load;

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await owner.DisposeQuietlyAsync(Fake);
        }
    }

    /// <param name="prepare">what the fake needs before the server starts (a throttle, a PENDING delay)</param>
    private async Task<Target> StartTargetAsync(IReadOnlyList<string> flags, Action<FakeRoute53>? prepare = null)
    {
        var fake = await FakeRoute53.StartAsync();
        try
        {
            fake.AddCredentials(ServerProcess.AccessKey, ServerProcess.SecretKey);
            var zones = AddZones(fake);
            prepare?.Invoke(fake);
            var server = await ServerProcess.StartAsync(serverAssembly, fake.Endpoint, flags, http);
            return new Target(fake, zones, server, new ChallengeLoad(http, SolverUri(server), log), this);
        }
        catch
        {
            await DisposeQuietlyAsync(fake);
            throw;
        }
    }

    /// <summary>Presents then cleans up <paramref name="challenges"/>, reporting nothing: a warm-up.</summary>
    private async Task PresentAndCleanUpAsync(Target target, IReadOnlyList<Challenge> challenges, int concurrency)
    {
        await target.Load.RunAsync(challenges, "Present", concurrency, options.TimeCap);
        await target.Load.RunAsync(challenges, "CleanUp", concurrency, options.TimeCap);
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
