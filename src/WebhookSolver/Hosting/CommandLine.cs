using System.Globalization;
using System.Text;
using WebhookSolver.Route53;
using WebhookSolver.Security;

namespace WebhookSolver.Hosting;

/// <summary>
/// Flags in the style of the Go webhook servers (<c>--secure-port=8443</c> or <c>--secure-port 8443</c>),
/// turned into configuration keys so that appsettings and environment variables can set the same values.
/// </summary>
internal static class CommandLine
{
    public enum FlagKind { Text, Number, Fraction, Switch, Duration }

    public sealed record Flag(string Name, string ConfigKey, FlagKind Kind, string Default, string Help);

    // The defaults shown in --help are read from the options classes, which hold them once.
    private static readonly WebhookOptions WebhookDefaults = new();
    private static readonly WebhookSecurityOptions SecurityDefaults = new();
    private static readonly Route53Options Route53Defaults = new();
    private static readonly MetricsOptions MetricsDefaults = new();

    public static IReadOnlyList<Flag> Flags { get; } =
    [
        new("secure-port", "Webhook:SecurePort", FlagKind.Number, Text(WebhookDefaults.SecurePort), "HTTPS port to serve on"),
        new("bind-address", "Webhook:BindAddress", FlagKind.Text, "0.0.0.0 (127.0.0.1 with --local)", "IP address to listen on"),
        new("tls-cert-file", "Webhook:TlsCertFile", FlagKind.Text, "", "PEM serving certificate (tls.crt of the mounted Secret); reloaded when it changes"),
        new("tls-private-key-file", "Webhook:TlsPrivateKeyFile", FlagKind.Text, "", "PEM private key of the serving certificate (tls.key)"),
        new("group-name", "Webhook:GroupName", FlagKind.Text, "$GROUP_NAME (acme.example.com with --local)",
            "API group the solver serves; the Issuer's webhook.groupName"),
        new("solver-name", "Webhook:SolverName", FlagKind.Text, WebhookDefaults.SolverName, "resource name of the solver; the Issuer's webhook.solverName"),
        new("local", "Webhook:Local", FlagKind.Switch, Text(WebhookDefaults.Local),
            "debugging mode: loopback only, self-signed certificate, no request authentication"),
        new("kubeconfig", "Webhook:Kubeconfig", FlagKind.Text, "in-cluster", "kubeconfig file for reaching the Kubernetes API from outside a cluster"),
        new("log-format", "Webhook:LogFormat", FlagKind.Text, WebhookDefaults.LogFormat, "console log format: text or json"),
        new("challenge-timeout", "Webhook:ChallengeTimeout", FlagKind.Duration, Text(WebhookDefaults.ChallengeTimeout),
            "longest time one Present or CleanUp may take; must be longer than Route53:Deadline, which bounds its Route53 work"),
        new("certificate-reload-interval", "Webhook:CertificateReloadInterval", FlagKind.Duration, Text(WebhookDefaults.CertificateReloadInterval),
            "how often the certificate files are checked for a new pair"),

        // Front-proxy authentication and authorization (the aggregator's client certificate and identity headers).
        new("requestheader-client-ca-file", "Authentication:ClientCaFile", FlagKind.Text, "from the extension-apiserver-authentication ConfigMap",
            "PEM CA bundle that signs the aggregator's front-proxy client certificate"),
        new("requestheader-allowed-names", "Authentication:AllowedNames", FlagKind.Text, "from the ConfigMap (empty: any name)",
            "comma-separated common names allowed for the front-proxy certificate"),
        new("requestheader-username-headers", "Authentication:UsernameHeaders", FlagKind.Text, "X-Remote-User",
            "comma-separated headers that carry the user name"),
        new("requestheader-group-headers", "Authentication:GroupHeaders", FlagKind.Text, "X-Remote-Group", "comma-separated headers that carry the groups"),
        new("requestheader-extra-headers-prefix", "Authentication:ExtraHeadersPrefixes", FlagKind.Text, "X-Remote-Extra-",
            "comma-separated header prefixes that carry extra user attributes"),
        new("authorization-cache-ttl", "Authentication:AuthorizationCacheTtl", FlagKind.Duration, Text(SecurityDefaults.AuthorizationCacheTtl),
            "how long a SubjectAccessReview answer (allowed or denied) is reused"),

        // Route53.
        new("route53-wait-for-insync", "Route53:WaitForInsync", FlagKind.Duration, Text(Route53Defaults.WaitForInsync),
            "after a change, wait up to this long for Route53 to report INSYNC (0: return once accepted; never beyond Route53:Deadline)"),
        new("route53-requests-per-second", "Route53:RequestsPerSecond", FlagKind.Fraction, Text(Route53Defaults.RequestsPerSecond),
            "client-side rate limit for all Route53 calls of the whole deployment; each replica takes an equal share"),
        new("route53-burst", "Route53:Burst", FlagKind.Number, Text(Route53Defaults.Burst),
            "Route53 calls the whole deployment may make at once before the rate limit applies (below Route53's bucket of 5); shared like the rate"),
        new("route53-assumed-replicas", "Route53:AssumedReplicas", FlagKind.Number, Text(Route53Defaults.AssumedReplicas),
            "replicas assumed to share the Route53 budget until the Lease API answers (the chart's replicaCount)"),
        new("route53-batch-window", "Route53:BatchWindow", FlagKind.Duration, Text(Route53Defaults.BatchWindow),
            "with --Route53:WriteStrategy=FixedWindow, how long every round waits for more changes to its hosted zone; the default group commit " +
            "sends a change for an idle zone at once, and a round the rate limit delays takes what arrives until its turn (0: not even then)"),

        // Metrics.
        new("metrics-port", "Metrics:Port", FlagKind.Number, Text(MetricsDefaults.Port),
            "plain-HTTP port serving only /metrics in Prometheus format (0: off; /metrics is also served on the secure port)"),
    ];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(bool value) => value ? "true" : "false";

    /// <summary>A default duration as a flag would be written: <c>25s</c>, <c>200ms</c>.</summary>
    private static string Text(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{(long)value.TotalSeconds}s"
        : value.Ticks % TimeSpan.TicksPerMillisecond == 0 ? $"{(long)value.TotalMilliseconds}ms"
        : Duration.Format(value);

    /// <summary>Host settings that <c>WebApplicationFactory</c> and <c>dotnet run</c> pass as arguments.</summary>
    private static readonly string[] HostSettings = ["environment", "contentRoot", "applicationName", "urls"];

    /// <param name="Settings">configuration keys set by flags</param>
    /// <param name="HostArguments">ASP.NET host settings passed through untouched</param>
    public sealed record Result(IReadOnlyDictionary<string, string?> Settings, IReadOnlyList<string> HostArguments, bool HelpRequested, string? Error);

    public static Result Parse(IReadOnlyList<string> args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var hostArguments = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help" or "-help")
            {
                return new(settings, hostArguments, true, null);
            }

            if (!arg.StartsWith('-'))
            {
                return new(settings, hostArguments, false, $"unexpected argument '{arg}'; flags start with --");
            }

            var text = arg.TrimStart('-');
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? text : text[..equals];
            string? value = equals < 0 ? null : text[(equals + 1)..];

            if (HostSettings.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                hostArguments.Add($"--{name}={value ?? (i + 1 < args.Count ? args[++i] : "")}");
                continue;
            }

            if (name.Contains(':', StringComparison.Ordinal) || name.Any(char.IsUpper))
            {
                // A configuration key (--Route53:Burst=20), as ASP.NET's own command line accepts; flags are lower case.
                settings[name] = value ?? (i + 1 < args.Count ? args[++i] : "");
                continue;
            }

            var flag = Flags.FirstOrDefault(f => f.Name == name);
            if (flag is null)
            {
                return new(settings, hostArguments, false, $"unknown flag --{name}; run with --help to list the flags");
            }

            if (flag.Kind == FlagKind.Switch)
            {
                value ??= "true";
            }
            else if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    return new(settings, hostArguments, false, $"flag --{name} needs a value");
                }

                value = args[++i];
            }

            var error = Normalize(flag, ref value);
            if (error is not null)
            {
                return new(settings, hostArguments, false, error);
            }

            settings[flag.ConfigKey] = value;
        }

        return new(settings, hostArguments, false, null);
    }

    private static string? Normalize(Flag flag, ref string value)
    {
        switch (flag.Kind)
        {
            case FlagKind.Number when !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _):
                return $"flag --{flag.Name} must be a whole number, got '{value}'";
            case FlagKind.Fraction when !double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _):
                return $"flag --{flag.Name} must be a number such as 4 or 0.5, got '{value}'";
            case FlagKind.Switch when !bool.TryParse(value, out _):
                return $"flag --{flag.Name} must be true or false, got '{value}'";
            case FlagKind.Duration:
                if (!Duration.TryParse(value, out var duration))
                {
                    return $"flag --{flag.Name} must be a duration such as {Duration.Examples}, got '{value}'";
                }

                value = Duration.Format(duration);
                return null;
            default:
                return null;
        }
    }

    public static string Usage()
    {
        var text = new StringBuilder();
        text.AppendLine("cert-manager DNS01 webhook solver for AWS Route53");
        text.AppendLine();
        text.AppendLine("Usage: WebhookSolver [flags]");
        text.AppendLine();
        var width = Flags.Max(f => f.Name.Length) + 4;
        foreach (var flag in Flags)
        {
            var name = ("--" + flag.Name).PadRight(width);
            text.AppendLine(CultureInfo.InvariantCulture, $"  {name}{flag.Help} (default: {(flag.Default.Length == 0 ? "none" : flag.Default)})");
        }

        text.AppendLine();
        text.AppendLine("Every flag can also be set as configuration, e.g. Webhook__SecurePort=8443 in the environment.");
        return text.ToString();
    }
}
