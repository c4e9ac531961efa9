using System.Net;
using System.Net.Security;
using WebhookSolver.Bench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}{Environment.NewLine}{Environment.NewLine}{BenchOptions.Usage}");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

var serverAssembly = ServerProcess.LocateAssembly(options.ServerAssembly);
using var handler = new SocketsHttpHandler
{
    // The server in --local mode serves a self-signed certificate made at start-up: its chain cannot be trusted,
    // but it must still name 127.0.0.1.
    SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, errors) => certificate is not null
        && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None },
    MaxConnectionsPerServer = int.MaxValue,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
};
using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan, DefaultRequestVersion = HttpVersion.Version11 };
var log = Console.Error;
await log.WriteLineAsync($"server: {serverAssembly}");
var scenarios = new Scenarios(options, serverAssembly, http, log);

StrategyResult? coalesced = null;
StrategyResult? baseline = null;
IReadOnlyList<OverheadResult> overhead = [];
var sequential = new List<SequentialResult>();
var waves = new List<(string Wave, StrategyResult Result)>();
if (options.Runs("sequential"))
{
    await scenarios.WarmUpAsync();
    foreach (var (name, flags) in Scenarios.LatencyStrategies)
    {
        sequential.Add(await scenarios.SequentialAsync(name, flags));
    }
}

if (options.Runs("waves"))
{
    foreach (var (wave, count, inFlight) in new[]
             {
                 ($"{options.Challenges} at once", options.Challenges, 0),
                 ($"{options.Challenges}, {options.WaveInFlight} in flight", options.Challenges, options.WaveInFlight),
                 ($"{options.SmallWave} at once", options.SmallWave, 0),
             })
    {
        foreach (var (name, flags) in Scenarios.Strategies)
        {
            waves.Add((wave, await scenarios.ThrottledAsync($"{wave}: {name}", flags, count, inFlight)));
        }
    }
}

if (options.Runs("coalesced"))
{
    coalesced = await scenarios.ThrottledAsync("coalesced", []);
}

if (options.Runs("baseline"))
{
    baseline = await scenarios.ThrottledAsync("baseline", scenarios.BaselineFlags);
}

if (options.Runs("overhead"))
{
    overhead = await scenarios.OverheadAsync();
}

IReadOnlyList<ReplicasResult> replicas = [];
if (options.Runs("replicas"))
{
    using var scenario = new ReplicasScenario(options, serverAssembly, log);
    replicas = await scenario.RunAsync();
}

Report.PrintStrategies(Console.Out, options, sequential, waves);
Report.Print(Console.Out, options, scenarios.BaselineFlags, coalesced, baseline, overhead);
Report.PrintReplicas(Console.Out, options, replicas);

// Figures are figures; a lost value, a leftover or a phase that never finished is a correctness failure.
var broken = new[] { coalesced, baseline }.Concat(waves.Select(w => w.Result)).OfType<StrategyResult>()
                 .Any(r => r.LostValues > 0 || r.Leftovers > 0 || r.Present.CapHit || r.CleanUp.CapHit || r.UnexpectedCalls > 0)
             || overhead.Any(r => r.LostValues > 0 || r.Leftovers > 0 || r.Present.CapHit || r.UnexpectedCalls > 0)
             || sequential.Any(r => r.LostValues > 0 || r.Leftovers > 0 || r.UnexpectedCalls > 0)
             || replicas.Any(r => r.LostValues > 0 || r.Leftovers > 0 || r.CapHit || r.UnexpectedCalls > 0);
return broken ? 1 : 0;
