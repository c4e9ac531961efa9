using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace WebhookSolver.Kubernetes;

/// <summary>
/// The Lease this replica holds so that the replicas of one deployment can count each other (section <c>Leases</c>).
/// The pod's name and namespace come from <c>POD_NAME</c> and <c>POD_NAMESPACE</c>, which the chart sets through the
/// downward API.
/// </summary>
internal sealed class ReplicaLeaseOptions
{
    public const string Section = "Leases";

    /// <summary>The Lease's name (the pod's name, <c>POD_NAME</c>); unset, this replica holds no Lease.</summary>
    public string? PodName { get; set; }

    /// <summary>Where the Lease lives (the pod's namespace, <c>POD_NAMESPACE</c>).</summary>
    public string? PodNamespace { get; set; }

    /// <summary>How often the Lease is renewed and the others' Leases are read.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// <c>leaseDurationSeconds</c>: a Lease not renewed for this long, as the reader's clock measures from when it last
    /// saw the Lease change, no longer counts. The API field holds whole seconds: a fraction is rounded up.
    /// </summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary><see cref="Duration"/> as the Lease states it.</summary>
    public int DurationSeconds => (int)Math.Ceiling(Duration.TotalSeconds);

    public bool HasIdentity => !string.IsNullOrEmpty(PodName) && !string.IsNullOrEmpty(PodNamespace);
}

/// <summary>
/// What the host tells Lease membership about the deployment, from its own options; never bound from configuration,
/// and not validated here (the host validates its own options at start-up).
/// </summary>
internal sealed class ReplicaDeploymentOptions
{
    /// <summary>Outside a cluster (<c>--local</c>) there are no Leases and the replica is alone.</summary>
    public bool Local { get; set; }

    /// <summary>The API group the replicas serve together: the prefix of the Leases' label.</summary>
    public string GroupName { get; set; } = "";

    /// <summary>The solver's resource name: the value of the Leases' label.</summary>
    public string SolverName { get; set; } = "route53";
}

internal sealed partial class ReplicaLeaseOptionsValidator : IValidateOptions<ReplicaLeaseOptions>
{
    public ValidateOptionsResult Validate(string? name, ReplicaLeaseOptions options)
    {
        var failures = new List<string>();
        if (options.PodName is { Length: > 0 } pod && (pod.Length > 253 || !DnsSubdomain().IsMatch(pod)))
        {
            failures.Add($"POD_NAME '{pod}' is not a Kubernetes object name (lower-case letters, digits, '-' and '.'); set it from the " +
                "downward API field metadata.name");
        }

        if (options.PodNamespace is { Length: > 0 } ns && (ns.Length > 63 || !DnsLabel().IsMatch(ns)))
        {
            failures.Add($"POD_NAMESPACE '{ns}' is not a namespace name (a lower-case DNS label); set it from the downward API field metadata.namespace");
        }

        if (options.Duration < TimeSpan.FromSeconds(1) || options.Duration > TimeSpan.FromHours(1))
        {
            failures.Add("Leases:Duration must be between 1s and 1h (it is the Lease's leaseDurationSeconds)");
        }
        else if (options.RenewInterval <= TimeSpan.Zero || options.RenewInterval * 2 > options.Duration)
        {
            failures.Add("Leases:RenewInterval must be positive and at most half of Leases:Duration, so that one late renewal does not drop a replica");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
