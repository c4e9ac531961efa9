using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace WebhookSolver.Hosting;

/// <summary>Checks the settings at start-up; each message names the flag that fixes it.</summary>
internal sealed partial class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();

        if (options.SecurePort is < 0 or > 65535)
        {
            failures.Add($"--secure-port must be between 1 and 65535 (0 picks a free port), got {options.SecurePort}");
        }

        // Left out, --bind-address defaults to 127.0.0.1 with --local and to every address otherwise.
        if (options.BindAddress is not null)
        {
            if (!IPAddress.TryParse(options.BindAddress, out var bind))
            {
                failures.Add($"--bind-address must be an IP address such as 0.0.0.0 or 127.0.0.1, got '{options.BindAddress}'");
            }
            else if (bind.IsIPv4MappedToIPv6)
            {
                failures.Add(
                    $"--bind-address {options.BindAddress} is an IPv4-mapped IPv6 address, which cannot be bound; use {bind.MapToIPv4()}");
            }
            else if (options.Local && !IPAddress.IsLoopback(bind))
            {
                failures.Add(
                    $"--bind-address {options.BindAddress} is not allowed with --local: " +
                    "local mode skips authentication and binds 127.0.0.1 only");
            }
        }

        if (string.IsNullOrWhiteSpace(options.EffectiveGroupName))
        {
            failures.Add("--group-name is required: pass --group-name=<your group> or set GROUP_NAME (the same value as the Issuer's webhook.groupName)");
        }
        else if (!DnsSubdomain().IsMatch(options.EffectiveGroupName))
        {
            failures.Add($"--group-name '{options.EffectiveGroupName}' is not a DNS subdomain such as acme.example.com");
        }

        if (!DnsLabel().IsMatch(options.SolverName))
        {
            failures.Add($"--solver-name '{options.SolverName}' must be a lower-case DNS label such as route53");
        }

        var hasCert = !string.IsNullOrWhiteSpace(options.TlsCertFile);
        var hasKey = !string.IsNullOrWhiteSpace(options.TlsPrivateKeyFile);
        if (hasCert != hasKey)
        {
            failures.Add("--tls-cert-file and --tls-private-key-file must be given together");
        }
        else if (!hasCert && !options.Local)
        {
            failures.Add("--tls-cert-file and --tls-private-key-file are required outside --local (mount the serving certificate " +
                "Secret and point both flags at it)");
        }

        if (!string.IsNullOrWhiteSpace(options.Kubeconfig) && !File.Exists(options.Kubeconfig))
        {
            failures.Add($"--kubeconfig {options.Kubeconfig} does not exist: give the path of a kubeconfig file, or leave the flag out inside a cluster");
        }

        if (options.LogFormat is not ("text" or "json"))
        {
            failures.Add($"--log-format must be 'text' or 'json', got '{options.LogFormat}'");
        }

        if (options.ChallengeTimeout <= TimeSpan.Zero || options.ChallengeTimeout > TimeSpan.FromSeconds(55))
        {
            failures.Add("--challenge-timeout must be between 1s and 55s (the apiserver cuts proxied calls at 60s)");
        }

        if (options.CertificateReloadInterval <= TimeSpan.Zero)
        {
            failures.Add("--certificate-reload-interval must be positive");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
