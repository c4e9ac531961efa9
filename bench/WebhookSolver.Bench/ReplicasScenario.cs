using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using WebhookSolver.Testing;

namespace WebhookSolver.Bench;

/// <summary>What one deployment of N replicas spent of one account during a wave.</summary>
internal sealed record ReplicasResult(
    int Replicas,
    double SmallestBurst,
    int BusiestSecond,
    long Throttled,
    int Calls,
    int Challenges,
    TimeSpan PresentWall,
    TimeSpan CleanUpWall,
    int FailedAttempts,
    int LostValues,
    int Leftovers,
    bool CapHit,
    int UnexpectedCalls)
{
    public double CallsPerChallenge => (double)Calls / Challenges;
}

/// <summary>
/// N server processes as in a cluster — not <c>--local</c>: serving certificate files, front-proxy authentication,
/// and one fake API server that answers SubjectAccessReviews and holds their Leases — against one fake Route53
/// whose token bucket is the account's budget, with every webhook call going to the next server in turn.
/// </summary>
internal sealed class ReplicasScenario(BenchOptions options, string serverAssembly, TextWriter log) : IDisposable
{
    public const string Namespace = "bench";
    private const string GroupName = "acme.example.com";

    private readonly FrontProxyCertificates _certificates = new();

    public async Task<IReadOnlyList<ReplicasResult>> RunAsync()
    {
        var results = new List<ReplicasResult>();
        foreach (var replicas in new[] { 1, 2, 3 })
        {
            results.Add(await RunAsync(replicas));
        }

        return results;
    }

    private async Task<ReplicasResult> RunAsync(int count)
    {
        log.WriteLine(Invariant($"[replicas: {count}] {options.Challenges} challenges over {options.Zones} zones, round-robin; deployment ") +
            Invariant($"budget {options.BudgetRate:0.##} req/s burst {options.BudgetBurst}; fake Route53 at {options.Rate:0.##} req/s burst {options.Burst}"));
        var leases = new FakeLeases();
        var reviews = FakeKubernetesAuthorization.Unserved();
        reviews.Policy = _ => (true, "");
        var kubernetes = await FakeHttpServer.StartAsync("fake Kubernetes API", request => leases.Answer(request) ?? reviews.Answer(request));
        var kubeconfig = WriteKubeconfig(kubernetes.BaseAddress);
        var route53 = await FakeRoute53.StartAsync();
        var servers = new List<ServerProcess>();
        using var http = Client();
        try
        {
            route53.AddCredentials(ServerProcess.AccessKey, ServerProcess.SecretKey);
            route53.InsyncDelay = options.InsyncDelay;
            var zones = Enumerable.Range(1, options.Zones).Select(k => $"zone{k}.bench.test").Select(zone => (Id: route53.AddZone(zone), Name: zone)).ToList();
            var throttle = FakeRoute53Throttle.Attach(route53, options.Rate, options.Burst);
            var metricsPorts = new List<int>();
            for (var i = 0; i < count; i++)
            {
                var metricsPort = Ports.Free();
                metricsPorts.Add(metricsPort);
                servers.Add(await ServerProcess.StartAsync(serverAssembly, route53.Endpoint,
                [
                    "--bind-address=127.0.0.1",
                    $"--tls-cert-file={_certificates.ServingCertFile}",
                    $"--tls-private-key-file={_certificates.ServingKeyFile}",
                    $"--requestheader-client-ca-file={_certificates.FrontProxyCaFile}",
                    $"--group-name={GroupName}",
                    $"--kubeconfig={kubeconfig}",
                    $"--metrics-port={metricsPort.ToString(CultureInfo.InvariantCulture)}",
                    Invariant($"--route53-requests-per-second={options.BudgetRate}"),
                    Invariant($"--route53-burst={options.BudgetBurst}"),
                    Invariant($"--route53-assumed-replicas={count}"),
                ], http, local: false, new Dictionary<string, string> { ["POD_NAME"] = $"webhook-route53-{i}", ["POD_NAMESPACE"] = Namespace }));
            }

            await WaitForMembershipAsync(metricsPorts, servers, count);
            var challenges = Challenge.Create("host", options.Challenges, zones);
            var load = new ChallengeLoad(http, [.. servers.Select(s => new Uri(s.BaseAddress, $"apis/{GroupName}/v1alpha1/route53"))], log);

            var present = await load.RunAsync(challenges, "Present", concurrency: 0, options.TimeCap);
            var lost = present.Done.Count(c => !route53.TxtTexts(c.ZoneId, c.Fqdn).Contains(c.Key));
            log.WriteLine($"[replicas: {count}] Present: {present.Succeeded}/{present.Challenges} " +
                $"in {present.Wall.TotalSeconds:0.0}s, {throttle.Arrivals.Count} Route53 calls, {throttle.Throttled} throttled, {present.FailedAttempts} " +
                $"failed attempts ({ChallengeLoad.Describe(present.Failures)})");
            var cleanUp = await load.RunAsync(challenges, "CleanUp", concurrency: 0, options.TimeCap);
            var leftovers = challenges.Sum(c => route53.TxtTexts(c.ZoneId, c.Fqdn).Count);
            log.WriteLine($"[replicas: {count}] CleanUp: {cleanUp.Succeeded}/{cleanUp.Challenges} " +
                $"in {cleanUp.Wall.TotalSeconds:0.0}s, {throttle.Arrivals.Count} Route53 calls in all, {throttle.Throttled} throttled");

            var arrivals = throttle.Arrivals;
            return new ReplicasResult(count, TokenBucket.SmallestBurst(arrivals, options.BudgetRate), TokenBucket.Busiest(arrivals, TimeSpan.FromSeconds(1)),
                throttle.Throttled, arrivals.Count, challenges.Count, present.Wall, cleanUp.Wall, present.FailedAttempts + cleanUp.FailedAttempts,
                lost, leftovers, present.CapHit || cleanUp.CapHit, route53.Server.UnexpectedCalls.Count + kubernetes.UnexpectedCalls.Count);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            await DisposeQuietlyAsync(route53);
            await DisposeQuietlyAsync(kubernetes);
        }
    }

    /// <summary>Every server counts all of them (<c>webhook_replicas_seen</c>) before the wave: a start-up is not what is measured.</summary>
    private async Task WaitForMembershipAsync(IReadOnlyList<int> metricsPorts, IReadOnlyList<ServerProcess> servers, int count)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var (port, server) in metricsPorts.Zip(servers))
        {
            while (true)
            {
                var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/metrics"));
                // "name value", "name{} value" or with a timestamp after the value, as exporters write a sample.
                if (text.Split('\n').Any(line => line.Split(' ') is [var name, var value, ..] && name.Split('{')[0] == "webhook_replicas_seen"
                                                  && value == count.ToString(CultureInfo.InvariantCulture)))
                {
                    var share = text.Split('\n').FirstOrDefault(line => line.StartsWith("webhook_route53_budget_share", StringComparison.Ordinal));
                    log.WriteLine($"[replicas: {count}] metrics port {port}: {share ?? "no webhook_route53_budget_share"}");
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"the server on metrics port {port} did not count {count} replicas within " +
                        $"60s:{Environment.NewLine}{server.Tail}");
                }

                await Task.Delay(200);
            }
        }

        log.WriteLine($"[replicas: {count}] every server counts {count} replicas");
    }

    /// <summary>
    /// The aggregator: its front-proxy client certificate, the identity headers of cert-manager's ServiceAccount, and
    /// HTTP/2 as kube-apiserver proxies to an aggregated API (500 TLS handshakes with client certificates at once
    /// would measure the handshakes).
    /// </summary>
    private HttpClient Client()
    {
        var clientCertificate = _certificates.Issue(_certificates.FrontProxyCa, "front-proxy-client");
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => _certificates.IsServingCertificate(certificate),
                ClientCertificates = new X509CertificateCollection { clientCertificate },
                LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate,
            },
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        var http = new HttpClient(handler)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        http.DefaultRequestHeaders.Add("X-Remote-User", "system:serviceaccount:cert-manager:cert-manager");
        http.DefaultRequestHeaders.Add("X-Remote-Group", "system:serviceaccounts");
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return http;
    }

    /// <summary>A kubeconfig for the fake API server, in the scenario's namespace.</summary>
    private string WriteKubeconfig(Uri server)
    {
        var path = Path.Combine(_certificates.Directory, $"kubeconfig-{Guid.NewGuid():N}.yaml");
        TestKubeconfig.Write(path, server, Namespace);
        return path;
    }

    /// <summary>Unexpected calls are reported with the figures; the fake's own complaint about them would hide the report.</summary>
    private async Task DisposeQuietlyAsync(IAsyncDisposable fake)
    {
        try
        {
            await fake.DisposeAsync();
        }
        catch (InvalidOperationException e) when (e.Message.Contains("did not expect", StringComparison.Ordinal))
        {
            await log.WriteLineAsync(e.Message.Length > 2000 ? e.Message[..2000] + "..." : e.Message);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => _certificates.Dispose();
}
