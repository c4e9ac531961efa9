using Amazon.Runtime.CredentialManagement;

namespace WebhookSolver.Credentials;

/// <summary>
/// The pod's AWS settings that the region and STS rules depend on, read once at start-up so the rules are
/// pure functions (and testable without touching the process environment).
/// </summary>
/// <param name="Region"><c>AWS_REGION</c></param>
/// <param name="DefaultRegion"><c>AWS_DEFAULT_REGION</c></param>
/// <param name="ProfileRegion"><c>region</c> of the shared config profile (<c>AWS_PROFILE</c> or <c>default</c>)</param>
/// <param name="StsEndpointOverride"><c>AWS_ENDPOINT_URL_STS</c>, else <c>AWS_ENDPOINT_URL</c>: a local emulator or a VPC endpoint</param>
internal sealed record AwsEnvironment(string? Region, string? DefaultRegion, string? ProfileRegion, Uri? StsEndpointOverride)
{
    public static AwsEnvironment Empty { get; } = new(null, null, null, null);

    /// <summary>The region the pod's environment variables name (IRSA and Pod Identity inject <c>AWS_REGION</c>).</summary>
    public string? EnvironmentRegion => Region ?? DefaultRegion;

    public static AwsEnvironment FromProcess() => From(Environment.GetEnvironmentVariable, ReadProfileRegion);

    internal static AwsEnvironment From(Func<string, string?> variable, Func<string, string?> profileRegion)
    {
        static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        var endpoint = Clean(variable("AWS_ENDPOINT_URL_STS")) ?? Clean(variable("AWS_ENDPOINT_URL"));
        Uri? endpointUri = null;
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out endpointUri))
        {
            throw new InvalidOperationException(
                $"AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL) is not an absolute URL: '{endpoint}'; unset it or give e.g. http://localhost:4566");
        }

        var profile = Clean(variable("AWS_PROFILE")) ?? "default";
        return new AwsEnvironment(
            Clean(variable("AWS_REGION")),
            Clean(variable("AWS_DEFAULT_REGION")),
            Clean(profileRegion(profile)),
            endpointUri);
    }

    private static string? ReadProfileRegion(string profile)
    {
        try
        {
            return new CredentialProfileStoreChain().TryGetProfile(profile, out var found) ? found.Region?.SystemName : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            // An unreadable shared config must not stop the server: the other region sources still apply.
            return null;
        }
    }
}
