using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WebhookSolver.Challenges;

namespace WebhookSolver.Testing;

/// <summary>
/// The real application in memory (local mode, group acme.example.com) with the solver replaced by a
/// <see cref="RecordingSolver"/>.
/// </summary>
internal sealed class WebhookFactory : WebApplicationFactory<Program>
{
    public RecordingSolver Solver { get; } = new();

    public FakeLogCollector Logs { get; } = new();

    /// <summary>Settings applied on top of local mode, as configuration keys (e.g. Webhook:SolverName).</summary>
    public Dictionary<string, string?> Settings { get; } = new() { ["Webhook:Local"] = "true", ["Metrics:Port"] = "0" };

    /// <summary>
    /// Starts the real Kestrel (secure port 0 unless a setting says otherwise) and returns the HTTPS address it
    /// bound: no port is chosen in advance, so parallel tests never race for one.
    /// </summary>
    public Uri StartOnLoopback()
    {
        Settings.TryAdd("Webhook:SecurePort", "0");
        UseKestrel();
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First(address => address.StartsWith("https://", StringComparison.Ordinal)));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(new FakeLoggerProvider(Logs)));
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<ISolver>();
            services.AddSingleton<ISolver>(Solver);
        });
    }
}

/// <summary>A solver double: records each call and fails or waits when told to.</summary>
internal sealed class RecordingSolver : ISolver
{
    public ConcurrentQueue<ChallengeRequest> Calls { get; } = new();

    /// <summary>When set, every call throws it.</summary>
    public Exception? Failure { get; set; }

    /// <summary>When set, every call waits this long (honouring cancellation).</summary>
    public TimeSpan Delay { get; set; }

    public Task PresentAsync(ChallengeRequest request, CancellationToken cancellationToken) => RecordAsync(request, cancellationToken);

    public Task CleanUpAsync(ChallengeRequest request, CancellationToken cancellationToken) => RecordAsync(request, cancellationToken);

    private async Task RecordAsync(ChallengeRequest request, CancellationToken cancellationToken)
    {
        Calls.Enqueue(request);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        if (Failure is not null)
        {
            throw Failure;
        }
    }
}
