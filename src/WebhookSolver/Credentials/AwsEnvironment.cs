using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime.CredentialManagement;

namespace WebhookSolver.Credentials;

/// <summary>
/// The pod's AWS settings that the region and STS rules depend on, read once so the rules are pure functions
/// (and testable without touching the process environment): the <c>AWS</c> configuration section, as
/// AWSSDK.Extensions.NETCore.Setup reads it into <see cref="AWSOptions"/>, over the AWS SDKs' variables.
/// </summary>
/// <param name="Region"><c>AWS:Region</c>, else <c>AWS_REGION</c></param>
/// <param name="DefaultRegion"><c>AWS_DEFAULT_REGION</c></param>
/// <param name="ProfileRegion">
/// <c>region</c> of the shared config profile (<c>AWS:Profile</c>, else <c>AWS_PROFILE</c>, else <c>default</c>)
/// </param>
/// <param name="StsEndpointOverride">
/// <c>AWS_ENDPOINT_URL_STS</c>, else <c>AWS:ServiceURL</c>, else <c>AWS_ENDPOINT_URL</c>: a local emulator or a VPC endpoint
/// </param>
internal sealed record AwsEnvironment(string? Region, string? DefaultRegion, string? ProfileRegion, Uri? StsEndpointOverride)
{
    /// <summary>The region the pod's settings name (IRSA and Pod Identity inject <c>AWS_REGION</c>).</summary>
    public string? EnvironmentRegion => Region ?? DefaultRegion;

    /// <summary>The process environment alone, with no <c>AWS</c> configuration section.</summary>
    public static AwsEnvironment FromProcess() => FromProcess(new AWSOptions());

    public static AwsEnvironment FromProcess(AWSOptions aws) => From(aws, Environment.GetEnvironmentVariable, ReadProfileRegion);

    /// <param name="profileRegion">the region of a profile (name, shared files location or null for the SDK's)</param>
    internal static AwsEnvironment From(AWSOptions aws, Func<string, string?> variable, Func<string, string?, string?> profileRegion)
    {
        ArgumentNullException.ThrowIfNull(aws);
        static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        var endpoint = Clean(variable("AWS_ENDPOINT_URL_STS")) ?? Clean(aws.DefaultClientConfig.ServiceURL) ?? Clean(variable("AWS_ENDPOINT_URL"));
        Uri? endpointUri = null;
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out endpointUri))
        {
            throw new InvalidOperationException(
                $"AWS_ENDPOINT_URL_STS (or AWS:ServiceURL, AWS_ENDPOINT_URL) is not an absolute URL: '{endpoint}'; " +
                "unset it or give e.g. http://localhost:4566");
        }

        var profile = Clean(aws.Profile) ?? Clean(variable("AWS_PROFILE")) ?? "default";
        return new AwsEnvironment(
            Clean(aws.Region?.SystemName) ?? Clean(variable("AWS_REGION")),
            Clean(variable("AWS_DEFAULT_REGION")),
            Clean(profileRegion(profile, Clean(aws.ProfilesLocation))),
            endpointUri);
    }

    private static string? ReadProfileRegion(string profile, string? location)
    {
        try
        {
            var store = location is null ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(location);
            return store.TryGetProfile(profile, out var found) ? found.Region?.SystemName : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            // An unreadable shared config must not stop the server: the other region sources still apply.
            return null;
        }
    }
}
