using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WebhookSolver.Challenges;
using WebhookSolver.Kubernetes;
using WebhookSolver.Route53;

namespace WebhookSolver.Testing;

/// <summary>
/// One replica of the deployment in this process: its own Route53 services (limiter, batcher, caches) and its own
/// Lease membership, talking to shared fakes as the pods of one Deployment talk to one Route53 account and one API
/// server.
/// </summary>
internal sealed class InProcessReplica : IAsyncDisposable
{
    public const string Namespace = "cert-manager";
    public const string GroupName = "acme.example.com";

    private readonly List<IHostedService> _hosted;
    private bool _stopped;

    private InProcessReplica(string podName, ServiceProvider services)
    {
        PodName = podName;
        Services = services;
        _hosted = [.. services.GetServices<IHostedService>()];
    }

    public string PodName { get; }

    public ServiceProvider Services { get; }

    public ISolver Solver => Services.GetRequiredService<ISolver>();

    public ReplicaMembership Membership => Services.GetRequiredService<ReplicaMembership>();

    public ReplicaLeases Leases => Services.GetServices<IHostedService>().OfType<ReplicaLeases>().Single();

    /// <summary>Settings for fast Lease rounds: renewed every 100 ms, expiring after 2 s (slack for a loaded machine).</summary>
    public static Dictionary<string, string?> FastLeases(string podName) => new()
    {
        ["POD_NAME"] = podName,
        ["POD_NAMESPACE"] = Namespace,
        ["Leases:RenewInterval"] = "00:00:00.100",
        ["Leases:Duration"] = "00:00:02",
    };

    /// <param name="settings">on top of <see cref="Route53Harness.FastSettings"/> and <see cref="FastLeases"/></param>
    /// <param name="time">the replica's clock (Lease expiry, the limiter); the system clock when null</param>
    public static async Task<InProcessReplica> StartAsync(
        string podName, FakeKubernetesApi kubernetes, Uri route53, IReadOnlyDictionary<string, string?>? settings = null,
        TimeProvider? time = null, FakeLogCollector? logs = null)
    {
        var values = FastLeases(podName);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var services = Route53Harness.BuildServices(route53, values, configure: services =>
        {
            if (time is not null)
            {
                services.Replace(ServiceDescriptor.Singleton(time));
            }

            if (logs is not null)
            {
                services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs)));
            }

            // What the host sets from its own options.
            services.AddOptions<ReplicaDeploymentOptions>().Configure<Microsoft.Extensions.Configuration.IConfiguration>((options, configuration) =>
            {
                options.Local = configuration["Webhook:Local"] == "true";
                options.GroupName = GroupName;
            });
            services.AddSingleton(kubernetes.Client());
            services.AddReplicaLeases();
        });
        var replica = new InProcessReplica(podName, services);
        foreach (var hosted in replica._hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return replica;
    }

    /// <summary>A graceful shutdown: the hosted services stop (the Lease is deleted), then everything is disposed.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            foreach (var hosted in Enumerable.Reverse(_hosted))
            {
                await hosted.StopAsync(CancellationToken.None);
            }
        }

        await Services.DisposeAsync();
    }

    /// <summary>The process dies: nothing is stopped, its Lease stays behind un-renewed and its work in flight is lost.</summary>
    public async Task KillAsync()
    {
        _stopped = true;
        await Services.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await StopAsync();
        }
    }
}
