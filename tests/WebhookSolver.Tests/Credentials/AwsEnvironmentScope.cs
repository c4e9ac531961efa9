using System.Reflection;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Internal;

namespace WebhookSolver.Tests.Credentials;

/// <summary>
/// Sets the AWS variables of the process for one test and restores them afterwards. Every variable the AWS
/// default chain reads is cleared first, the shared files point into a private directory (never the
/// developer's ~/.aws), instance metadata is off unless the test turns it on, and the SDK's cached view of
/// the environment is reset on entry and exit. Only for tests in <see cref="ProcessEnvironmentTests"/>.
/// </summary>
internal sealed class AwsEnvironmentScope : IDisposable
{
    private static readonly string[] Managed =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_EC2_METADATA_V1_DISABLED", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_STS_REGIONAL_ENDPOINTS",
        "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
    ];

    private readonly Dictionary<string, string?> _saved;
    private readonly string _savedCredentialsFile = SharedCredentialsFile.DefaultFilePath;
    private readonly string _savedConfigFile = SharedCredentialsFile.DefaultConfigFilePath;

    public AwsEnvironmentScope()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("aws-env-").FullName;
        _saved = Managed.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        foreach (var name in Managed)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        Set("AWS_EC2_METADATA_DISABLED", "true");
        Set("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(Directory, "credentials"));
        Set("AWS_CONFIG_FILE", Path.Combine(Directory, "config"));
        SetSharedFilePaths(Path.Combine(Directory, "credentials"), Path.Combine(Directory, "config"));
    }

    /// <summary>
    /// The SDK reads AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE once per process (a pod's environment never
    /// changes); a test process must repoint its cached paths itself.
    /// </summary>
    private static void SetSharedFilePaths(string credentials, string config)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static;
        typeof(SharedCredentialsFile).GetProperty(nameof(SharedCredentialsFile.DefaultFilePath), flags)!.SetValue(null, credentials);
        typeof(SharedCredentialsFile).GetProperty(nameof(SharedCredentialsFile.DefaultConfigFilePath), flags)!.SetValue(null, config);
    }

    /// <summary>A private directory for credential, config and token files.</summary>
    public string Directory { get; }

    public AwsEnvironmentScope Set(string name, string? value)
    {
        if (!Managed.Contains(name))
        {
            throw new ArgumentException($"{name} is not restored by this scope; add it to the list", nameof(name));
        }

        Environment.SetEnvironmentVariable(name, value);
        FallbackInternalConfigurationFactory.Reset();
        return this;
    }

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        SetSharedFilePaths(_savedCredentialsFile, _savedConfigFile);
        FallbackInternalConfigurationFactory.Reset();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>Tests that change the process environment: run alone, never beside another test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentTests
{
    public const string Name = "process environment";
}
