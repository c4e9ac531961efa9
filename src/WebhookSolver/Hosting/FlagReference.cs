using System.Globalization;
using System.Text;

namespace WebhookSolver.Hosting;

/// <summary>
/// docs/flags.md, written from the same table that prints <c>--help</c> (<see cref="CommandLine.Flags"/>):
/// <c>dotnet run --project src/WebhookSolver -- --help-markdown &gt; docs/flags.md</c> regenerates it.
/// </summary>
internal static class FlagReference
{
    public const string Switch = "--help-markdown";

    public const string RegenerateCommand = "dotnet run --project src/WebhookSolver -- --help-markdown > docs/flags.md";

    public static string Markdown()
    {
        var text = new StringBuilder();
        text.Append("# Flags\n\n");
        text.Append(CultureInfo.InvariantCulture, $"<!-- Generated from the server's flag table; do not edit. Regenerate with: {RegenerateCommand} -->\n\n");
        text.Append("Every flag can also be set as configuration: an `appsettings.json` in the working directory, an\n");
        text.Append("environment variable (the key with `__` for `:`, e.g. `Webhook__SecurePort=8443`), or `--Section:Key=value`.\n");
        text.Append("Durations take `500ms`, `10s`, `1m30s` or `hh:mm:ss`. `--help` prints this list with the defaults.\n\n");
        text.Append("| flag | configuration key | default | meaning |\n");
        text.Append("| --- | --- | --- | --- |\n");
        foreach (var flag in CommandLine.Flags)
        {
            var defaultValue = flag.Default.Length == 0 ? "none" : Cell(flag.Default);
            text.Append(CultureInfo.InvariantCulture, $"| `--{flag.Name}` | `{flag.ConfigKey}` | {defaultValue} | {Cell(flag.Help)} |\n");
        }

        text.Append("\nInvalid values stop the process at start-up with exit code 2 and a message naming the flag.\n");
        text.Append("What the flags do in detail: [Security](security.md) (front-proxy authentication, authorization, the serving\n");
        text.Append("certificate and its reload, local mode), [Route53 behaviour](route53.md), [Scaling and rate limits](scaling.md),\n");
        text.Append("[Metrics and logs](metrics.md).\n");
        return text.ToString();
    }

    private static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal);
}
