using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebhookSolver.Challenges;
using WebhookSolver.Credentials;
using WebhookSolver.Route53;
using WebhookSolver.Solver;

namespace WebhookSolver.Testing;

/// <summary>Returns the same keys for every challenge; the region comes from the config, as the real chain does.</summary>
internal sealed class FixedCredentialSource(ImmutableCredentials credentials, string? defaultRegion = null) : ICredentialSource
{
    public ValueTask<AwsIdentity> GetAsync(CredentialRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new AwsIdentity(credentials, request.Config.Region ?? defaultRegion));
}

/// <summary>The Route53 services of the app, wired to a <see cref="FakeRoute53"/> with fast retry timings.</summary>
internal sealed class Route53Harness : IAsyncDisposable
{
    public const string AccessKey = "AKIDROUTE53TEST00000";
    public const string SecretKey = "route53-test-secret-key";

    private Route53Harness(FakeRoute53 fake, ServiceProvider services)
    {
        Fake = fake;
        Services = services;
    }

    public FakeRoute53 Fake { get; }

    public ServiceProvider Services { get; }

    public ISolver Solver => Services.GetRequiredService<ISolver>();

    public static ImmutableCredentials Credentials { get; } = new(AccessKey, SecretKey, null);

    /// <summary>Fast timings for tests: millisecond backoff, short attempt timeout and INSYNC polling, a short batch window, no effective rate limit.</summary>
    public static Dictionary<string, string?> FastSettings(Uri endpoint) => new()
    {
        ["Route53:Endpoint"] = endpoint.ToString(),
        ["Route53:RetryBaseDelay"] = "00:00:00.002",
        ["Route53:RetryMaxDelay"] = "00:00:00.010",
        ["Route53:AttemptTimeout"] = "00:00:02",
        ["Route53:InsyncPollInterval"] = "00:00:00.010",
        ["Route53:Deadline"] = "00:00:10",
        ["Route53:BatchWindow"] = "00:00:00.020",
        ["Route53:RequestsPerSecond"] = "100000",
        ["Route53:Burst"] = "100000",
    };

    public static async Task<Route53Harness> StartAsync(
        Dictionary<string, string?>? settings = null, string signingRegion = "us-east-1", string? defaultRegion = null, bool withEndpoint = true)
    {
        var fake = await FakeRoute53.StartAsync(signingRegion);
        fake.AddCredentials(AccessKey, SecretKey);
        return new Route53Harness(fake, BuildServices(fake.Endpoint, settings, defaultRegion, withEndpoint));
    }

    /// <summary>An independent set of Route53 services (its own caches and state) talking to <paramref name="endpoint"/>.</summary>
    public static ServiceProvider BuildServices(
        Uri endpoint, Dictionary<string, string?>? settings = null, string? defaultRegion = null, bool withEndpoint = true)
    {
        var values = FastSettings(endpoint);
        if (!withEndpoint)
        {
            values.Remove("Route53:Endpoint");
        }

        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<ICredentialSource>(new FixedCredentialSource(Credentials, defaultRegion));
        services.AddRoute53Solver(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public static ChallengeRequest Challenge(
        string key, string fqdn = "_acme-challenge.example.com.", string zone = "example.com.", string? configJson = null) => new()
    {
        Uid = Guid.NewGuid().ToString(),
        Action = ChallengeAction.Present,
        Type = "dns-01",
        DnsName = fqdn.Replace("_acme-challenge.", "", StringComparison.Ordinal).TrimEnd('.'),
        Key = key,
        ResourceNamespace = "default",
        ResolvedFQDN = fqdn,
        ResolvedZone = zone,
        Config = configJson is null ? null : System.Text.Json.JsonDocument.Parse(configJson).RootElement.Clone(),
    };

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Fake.DisposeAsync();
    }
}
