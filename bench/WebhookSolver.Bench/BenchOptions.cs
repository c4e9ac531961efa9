using System.Globalization;

namespace WebhookSolver.Bench;

/// <summary>The benchmark's flags; every default is the documented run.</summary>
internal sealed record BenchOptions
{
    public int Challenges { get; init; } = 500;
    public int Zones { get; init; } = 5;
    public double Rate { get; init; } = 5;
    public int Burst { get; init; } = 5;
    public string Scenario { get; init; } = "strategies";

    /// <summary>How long the fake keeps a change PENDING before GetChange reports INSYNC.</summary>
    public TimeSpan InsyncDelay { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The baseline's --route53-wait-for-insync: cert-manager's built-in solver polls GetChange until INSYNC (0s: no wait).</summary>
    public TimeSpan BaselineInsyncWait { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Longest time one phase (all Presents, all CleanUps) may take before the bench gives up and reports it.</summary>
    public TimeSpan TimeCap { get; init; } = TimeSpan.FromMinutes(15);

    public int OverheadRequests { get; init; } = 2000;

    /// <summary>Uncontended challenges (Present, then CleanUp, one at a time) whose Route53 calls are counted.</summary>
    public int SequentialChallenges { get; init; } = 50;

    /// <summary>Sequential Presents whose latency is measured.</summary>
    public int SequentialRequests { get; init; } = 300;

    /// <summary>The in-flight bound of the second wave: a client that keeps only this many challenges in flight.</summary>
    public int WaveInFlight { get; init; } = 100;

    /// <summary>The small wave whose calls and Throttling answers are compared.</summary>
    public int SmallWave { get; init; } = 60;
    public int OverheadConcurrency { get; init; } = 32;
    public string? ServerAssembly { get; init; }

    /// <summary><c>--help</c> or <c>-h</c>: print the usage and run nothing.</summary>
    public bool Help { get; init; }

    /// <summary>"strategies" (the default) runs the new strategy and the previous one side by side; "baseline" the cert-manager emulation.</summary>
    public bool Runs(string scenario) => Scenario == "all" || Scenario == scenario
        || (Scenario == "strategies" && scenario is "sequential" or "waves" or "overhead");

    public const string Usage = """
        Drives the webhook server (a separate process, over HTTPS) against a fake Route53 with Route53's request limit.

        Usage: dotnet run -c Release --project bench/WebhookSolver.Bench -- [flags]

          --challenges N          concurrent challenges (default 500)
          --zones K               hosted zones they are spread over (default 5)
          --rate R                fake Route53 requests per second, shared by all calls (default 5, as Route53)
          --burst B               fake Route53 token-bucket size (default 5)
          --scenario S            strategies | sequential | waves | overhead | coalesced | baseline | all (default strategies:
                                  the new strategy and the previous one side by side in sequential, waves and overhead;
                                  coalesced and baseline: the cert-manager emulation, about 30 minutes)
          --insync-delay D        how long a change stays PENDING in the fake (default 3s)
          --baseline-insync D     the baseline's --route53-wait-for-insync (default 20s; 0s: no INSYNC wait)
          --time-cap D            give up a phase after this long (default 15m)
          --overhead-requests N   Presents measured in the overhead scenario (default 2000)
          --overhead-concurrency C  Presents in flight in the overhead scenario (default 32)
          --sequential N          uncontended challenges whose calls are counted (default 50)
          --sequential-requests N sequential Presents whose latency is measured (default 300)
          --in-flight N           the second wave keeps only this many challenges in flight (default 100)
          --small-wave N          challenges of the small wave (default 60)
          --server PATH           WebhookSolver.dll to run (default: the one built with this project)
          --help                  print this and exit
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                return options with { Help = true };
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            string Value() => equals >= 0 ? arg[(equals + 1)..]
                : i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            options = name switch
            {
                "--challenges" => options with { Challenges = Positive(name, Value()) },
                "--zones" => options with { Zones = Positive(name, Value()) },
                "--rate" => options with { Rate = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--burst" => options with { Burst = Positive(name, Value()) },
                "--scenario" => options with { Scenario = ParseScenario(Value()) },
                "--insync-delay" => options with { InsyncDelay = Duration(name, Value()) },
                "--baseline-insync" => options with { BaselineInsyncWait = Duration(name, Value()) },
                "--time-cap" => options with { TimeCap = Duration(name, Value()) },
                "--overhead-requests" => options with { OverheadRequests = Positive(name, Value()) },
                "--overhead-concurrency" => options with { OverheadConcurrency = Positive(name, Value()) },
                "--sequential" => options with { SequentialChallenges = Positive(name, Value()) },
                "--sequential-requests" => options with { SequentialRequests = Positive(name, Value()) },
                "--in-flight" => options with { WaveInFlight = Positive(name, Value()) },
                "--small-wave" => options with { SmallWave = Positive(name, Value()) },
                "--server" => options with { ServerAssembly = Value() },
                _ => throw new ArgumentException($"unknown flag {arg}"),
            };
        }

        if (options.Rate <= 0)
        {
            throw new ArgumentException("--rate must be positive");
        }

        return options;
    }

    private static int Positive(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a positive whole number, got '{text}'");

    private static TimeSpan Duration(string name, string text) =>
        WebhookSolver.Duration.TryParse(text, out var value) && value >= TimeSpan.Zero
            ? value
            : throw new ArgumentException($"{name} must be a duration such as 500ms, 3s or 15m, got '{text}'");

    private static string ParseScenario(string text) => text is "strategies" or "sequential" or "waves" or "all" or "coalesced" or "baseline" or "overhead"
        ? text
        : throw new ArgumentException($"--scenario must be strategies, sequential, waves, overhead, coalesced, baseline or all, got '{text}'");
}
