using Amazon.Extensions.NETCore.Setup;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using WebhookSolver.Credentials;
using WebhookSolver.Kubernetes;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Credentials;

/// <summary>The credential chain wired to a fake Kubernetes API and a fake STS (reached through the STS endpoint override).</summary>
internal sealed class ChainHarness : IAsyncDisposable
{
    private readonly AmbientCredentials _ambient;
    private readonly ServiceProvider _meterServices =
        new ServiceCollection().AddMetrics().BuildServiceProvider();

    private ChainHarness(FakeKubernetesApi kubernetes, FakeSts sts, FakeTimeProvider time, AwsEnvironment environment, AWSOptions aws)
    {
        _ambient = new AmbientCredentials(aws);
        Kubernetes = kubernetes;
        Sts = sts;
        Time = time;
        var meters = _meterServices.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        CacheLookups = new MetricCollector<long>(meters, WebhookMeter.Name, "webhook_credentials_cache_total");
        Metrics = new CredentialMetrics(meters);
        Cache = new StsCredentialCache(time, Metrics);
        Chain = new AwsCredentialChain(
            new KubernetesResources(new KubernetesConnection(kubernetes.Client())),
            new SecurityTokenService(time),
            _ambient,
            Cache,
            environment,
            Logs.CreateFactory().CreateLogger<AwsCredentialChain>());
    }

    public FakeKubernetesApi Kubernetes { get; }
    public FakeSts Sts { get; }
    public FakeTimeProvider Time { get; }
    public FakeLogCollector Logs { get; } = new();
    public StsCredentialCache Cache { get; }

    /// <summary>The cache's hit and miss counter, as the chain records it.</summary>
    public MetricCollector<long> CacheLookups { get; }

    public CredentialMetrics Metrics { get; }
    public AwsCredentialChain Chain { get; }

    /// <param name="environment">as in <see cref="CredentialPlanTests.ParseEnvironment"/>; the STS override defaults to the fake</param>
    public static Task<ChainHarness> StartAsync(string environment = "", Uri? stsEndpoint = null) =>
        StartAsync(sts => CredentialPlanTests.ParseEnvironment(environment) with { StsEndpointOverride = stsEndpoint ?? sts.BaseAddress });

    /// <param name="environment">the pod environment, given the fake STS (e.g. read from the process once it points there)</param>
    /// <param name="aws">the <c>AWS</c> configuration section; none unless given</param>
    public static async Task<ChainHarness> StartAsync(Func<FakeSts, AwsEnvironment> environment, AWSOptions? aws = null)
    {
        // Starts at the real time (whole seconds, as STS writes expirations): the AWS SDK checks expirations
        // against the real clock.
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var kubernetes = await FakeKubernetesApi.StartAsync();
        var sts = await FakeSts.StartAsync(time);
        return new ChainHarness(kubernetes, sts, time, environment(sts), aws ?? new AWSOptions());
    }

    /// <summary>A loopback URL nothing listens on: a service that is down.</summary>
    /// <summary>An address nothing listens on.</summary>
    public static Uri ClosedPort() => new($"http://127.0.0.1:{Ports.Free()}/");

    public async ValueTask DisposeAsync()
    {
        _ambient.Dispose();
        CacheLookups.Dispose();
        Metrics.Dispose();
        await _meterServices.DisposeAsync();
        await Kubernetes.DisposeAsync();
        await Sts.DisposeAsync();
    }
}
