using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebhookSolver.Credentials;
using WebhookSolver.Kubernetes;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Credentials;

/// <summary>The credential chain wired to a fake Kubernetes API and a fake STS (reached through the STS endpoint override).</summary>
internal sealed class ChainHarness : IAsyncDisposable
{
    private readonly AmbientCredentials _ambient = new();
    private readonly ServiceProvider _meterServices =
        new ServiceCollection().AddMetrics().BuildServiceProvider();

    private ChainHarness(FakeKubernetesApi kubernetes, FakeSts sts, ManualTimeProvider time, AwsEnvironment environment)
    {
        Kubernetes = kubernetes;
        Sts = sts;
        Time = time;
        var meters = _meterServices.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        Exporter = new WebhookSolver.Hosting.PrometheusExporter(meters);
        Metrics = new CredentialMetrics(meters);
        Cache = new StsCredentialCache(time, Metrics);
        Chain = new AwsCredentialChain(
            new KubernetesResources(kubernetes.Client()),
            new SecurityTokenService(time),
            _ambient,
            Cache,
            environment,
            Logs.Factory().CreateLogger<AwsCredentialChain>());
    }

    public FakeKubernetesApi Kubernetes { get; }
    public FakeSts Sts { get; }
    public ManualTimeProvider Time { get; }
    public CapturingLoggerProvider Logs { get; } = new();
    public StsCredentialCache Cache { get; }

    /// <summary>The cache's counters, exported as /metrics would.</summary>
    public WebhookSolver.Hosting.PrometheusExporter Exporter { get; }

    public CredentialMetrics Metrics { get; }
    public AwsCredentialChain Chain { get; }

    /// <param name="environment">as in <see cref="CredentialPlanTests.ParseEnvironment"/>; the STS override defaults to the fake</param>
    public static Task<ChainHarness> StartAsync(string environment = "", Uri? stsEndpoint = null) =>
        StartAsync(sts => CredentialPlanTests.ParseEnvironment(environment) with { StsEndpointOverride = stsEndpoint ?? sts.BaseAddress });

    /// <param name="environment">the pod environment, given the fake STS (e.g. read from the process once it points there)</param>
    public static async Task<ChainHarness> StartAsync(Func<FakeSts, AwsEnvironment> environment)
    {
        var time = new ManualTimeProvider();
        var kubernetes = await FakeKubernetesApi.StartAsync();
        var sts = await FakeSts.StartAsync(time);
        return new ChainHarness(kubernetes, sts, time, environment(sts));
    }

    /// <summary>A loopback URL nothing listens on: a service that is down.</summary>
    /// <summary>An address nothing listens on.</summary>
    public static Uri ClosedPort() => new($"http://127.0.0.1:{Ports.Free()}/");

    public async ValueTask DisposeAsync()
    {
        _ambient.Dispose();
        Exporter.Dispose();
        Metrics.Dispose();
        await _meterServices.DisposeAsync();
        await Kubernetes.DisposeAsync();
        await Sts.DisposeAsync();
    }
}
