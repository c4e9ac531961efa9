using System.Globalization;

namespace WebhookSolver.Bench;

/// <summary>The benchmark's flags; every default is the documented run.</summary>
internal sealed record BenchOptions
{
    public int Challenges { get; init; } = 500;
    public int Zones { get; init; } = 5;
    public double Rate { get; init; } = 5;
    public int Burst { get; init; } = 5;
    public string Scenario { get; init; } = "all";

    /// <summary>How long the fake keeps a change PENDING before GetChange reports INSYNC.</summary>
    public TimeSpan InsyncDelay { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The baseline's --route53-wait-for-insync: cert-manager's built-in solver polls GetChange until INSYNC (0s: no wait).</summary>
    public TimeSpan BaselineInsyncWait { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Longest time one phase (all Presents, all CleanUps) may take before the bench gives up and reports it.</summary>
    public TimeSpan TimeCap { get; init; } = TimeSpan.FromMinutes(15);

    public int OverheadRequests { get; init; } = 2000;
    public int OverheadConcurrency { get; init; } = 32;
    public string? ServerAssembly { get; init; }

    /// <summary><c>--help</c> or <c>-h</c>: print the usage and run nothing.</summary>
    public bool Help { get; init; }

    public bool Runs(string scenario) => Scenario == "all" || Scenario == scenario;

    public const string Usage = """
        Drives the webhook server (a separate process, over HTTPS) against a fake Route53 with Route53's request limit.

        Usage: dotnet run -c Release --project bench/WebhookSolver.Bench -- [flags]

          --challenges N          concurrent challenges (default 500)
          --zones K               hosted zones they are spread over (default 5)
          --rate R                fake Route53 requests per second, shared by all calls (default 5, as Route53)
          --burst B               fake Route53 token-bucket size (default 5)
          --scenario S            all | coalesced | baseline | overhead (default all)
          --insync-delay D        how long a change stays PENDING in the fake (default 3s)
          --baseline-insync D     the baseline's --route53-wait-for-insync (default 20s; 0s: no INSYNC wait)
          --time-cap D            give up a phase after this long (default 15m)
          --overhead-requests N   Presents measured in the overhead scenario (default 2000)
          --overhead-concurrency C  Presents in flight in the overhead scenario (default 32)
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

    private static string ParseScenario(string text) => text is "all" or "coalesced" or "baseline" or "overhead"
        ? text
        : throw new ArgumentException($"--scenario must be all, coalesced, baseline or overhead, got '{text}'");
}
