using System.Text.RegularExpressions;
using Amazon.Runtime;
using WebhookSolver.Challenges;

namespace WebhookSolver.Credentials;

/// <summary>
/// The formats of the AWS values that reach a URL, a signed header or a log line. Every value from an Issuer, a
/// Secret, STS or the pod's environment is checked against its own format where it enters; anything else is refused
/// with a message naming the field and the format, never echoing the value (it may be a secret, or carry CR/LF).
/// </summary>
internal static partial class AwsFormats
{
    public const string AccessKeyIdRule = "upper-case letters and digits only, 16 to 128 characters, such as AKIAIOSFODNN7EXAMPLE";
    public const string SecretAccessKeyRule = "printable ASCII without spaces, 1 to 128 characters";
    public const string SessionTokenRule = "printable ASCII without spaces, at most 16384 characters";
    public const string RoleArnRule = "arn:<partition>:iam::<12-digit account id>:role/<path/name>, such as arn:aws:iam::123456789012:role/dns-manager";
    public const string RegionRule = "lower-case letters, digits and dashes, at most 64 characters, such as us-east-1";
    public const string HostedZoneIdRule = "upper-case letters and digits, optionally after /hostedzone/, such as Z0123456789ABC";
    public const string ChangeIdRule = "upper-case letters and digits, optionally after /change/";

    public static bool IsAccessKeyId(string? value) => value is not null && AccessKeyIdPattern().IsMatch(value);

    public static bool IsSecretAccessKey(string? value) => value is { Length: >= 1 and <= 128 } && IsVisibleAscii(value);

    public static bool IsSessionToken(string? value) => value is { Length: >= 1 and <= 16384 } && IsVisibleAscii(value);

    public static bool IsRoleArn(string? value) => value is { Length: <= 2048 } && RoleArnPattern().IsMatch(value);

    public static bool IsRegion(string? value) => value is not null && RegionPattern().IsMatch(value);

    /// <summary>A hosted zone id as the config or a Route53 answer gives it (<c>Z…</c> or <c>/hostedzone/Z…</c>).</summary>
    public static bool IsHostedZoneId(string? value) => value is not null && HostedZoneIdPattern().IsMatch(value);

    public static bool IsChangeId(string? value) => value is not null && ChangeIdPattern().IsMatch(value);

    /// <summary>Characters 0x21–0x7E only: no spaces, no control characters, nothing outside ASCII.</summary>
    public static bool IsVisibleAscii(string value) => value.All(c => c is > ' ' and < '\u007f');

    /// <summary>Checks resolved credentials before they can sign anything.</summary>
    /// <param name="origin">where they came from, for the message (e.g. "STS", "the pod's ambient credentials")</param>
    /// <exception cref="SolverException">a part is not in AWS's format</exception>
    public static ImmutableCredentials Checked(ImmutableCredentials credentials, string origin)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (!IsAccessKeyId(credentials.AccessKey))
        {
            throw new SolverException($"the access key id from {origin} is not an AWS access key id ({AccessKeyIdRule})");
        }

        if (!IsSecretAccessKey(credentials.SecretKey))
        {
            throw new SolverException($"the secret access key from {origin} is not an AWS secret access key ({SecretAccessKeyRule})");
        }

        if (credentials.UseToken && !IsSessionToken(credentials.Token))
        {
            throw new SolverException($"the session token from {origin} is not an AWS session token ({SessionTokenRule})");
        }

        return credentials;
    }

    [GeneratedRegex(@"\A[A-Z0-9]{16,128}\z")]
    private static partial Regex AccessKeyIdPattern();

    // IAM role names and paths: letters, digits and +=,.@_- separated by slashes (IAM's own character set).
    [GeneratedRegex(@"\Aarn:[a-z][a-z0-9-]{0,31}:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}\z")]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,63}\z")]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"\A(/hostedzone/)?[A-Z0-9]{1,32}\z")]
    private static partial Regex HostedZoneIdPattern();

    [GeneratedRegex(@"\A(/change/)?[A-Z0-9]{1,64}\z")]
    private static partial Regex ChangeIdPattern();
}
