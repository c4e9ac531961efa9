using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace WebhookSolver.Bench;

/// <summary>One DNS01 challenge as cert-manager would send it: a distinct name in one of the zones, a fresh key.</summary>
internal sealed record Challenge(string ZoneId, string Zone, string DnsName, string Key)
{
    public string Fqdn => $"_acme-challenge.{DnsName}.";

    /// <summary><paramref name="count"/> challenges spread round-robin over <paramref name="zones"/> (id, name without the final dot).</summary>
    public static IReadOnlyList<Challenge> Create(string prefix, int count, IReadOnlyList<(string Id, string Name)> zones) =>
    [
        .. Enumerable.Range(0, count).Select(i =>
        {
            var (id, zone) = zones[i % zones.Count];
            return new Challenge(id, zone, $"{prefix}{i}.{zone}", Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));
        }),
    ];
}

/// <summary>What one phase (every challenge's Present, or every CleanUp) did.</summary>
internal sealed record PhaseResult(
    TimeSpan Wall,
    bool CapHit,
    int Challenges,
    int Succeeded,
    int Attempts,
    int FailedAttempts,
    IReadOnlyList<double> CallLatenciesMs,
    IReadOnlyList<double> TimeToSuccessMs,
    IReadOnlyDictionary<string, int> Failures,
    IReadOnlySet<Challenge> Done);

/// <summary>
/// Sends Present and CleanUp to the server and, like cert-manager, tries a challenge again after a failure
/// (<c>success:false</c>, an HTTP error or no answer within 30 s) after a random 1–5 s backoff.
/// </summary>
/// <param name="solverUris">the servers, each call going to the next (round-robin, as the aggregator spreads calls over the Service's pods)</param>
internal sealed class ChallengeLoad(HttpClient http, IReadOnlyList<Uri> solverUris, TextWriter progress)
{
    private int _calls;

    public ChallengeLoad(HttpClient http, Uri solverUri, TextWriter progress)
        : this(http, [solverUri], progress)
    {
    }

    private static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="action"/> for every challenge until each has succeeded or <paramref name="cap"/> has passed.
    /// <paramref name="concurrency"/> bounds the calls in flight (0: all challenges at once, as when many Certificates are created together).
    /// </summary>
    public async Task<PhaseResult> RunAsync(IReadOnlyList<Challenge> challenges, string action, int concurrency, TimeSpan cap)
    {
        using var capped = new CancellationTokenSource(cap);
        using var slots = concurrency > 0 ? new SemaphoreSlim(concurrency) : null;
        var latencies = new ConcurrentBag<double>();
        var toSuccess = new ConcurrentBag<double>();
        var failures = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var done = new ConcurrentDictionary<Challenge, bool>();
        var attempts = 0;
        var failed = 0;
        var succeeded = 0;
        var wall = Stopwatch.StartNew();

        async Task OneAsync(Challenge challenge)
        {
            var started = Stopwatch.GetTimestamp();
            while (!capped.IsCancellationRequested)
            {
                string? failure;
                try
                {
                    if (slots is not null)
                    {
                        await slots.WaitAsync(capped.Token);
                    }

                    try
                    {
                        var call = Stopwatch.GetTimestamp();
                        failure = await SendAsync(challenge, action, capped.Token);
                        latencies.Add(Stopwatch.GetElapsedTime(call).TotalMilliseconds);
                        Interlocked.Increment(ref attempts);
                    }
                    finally
                    {
                        slots?.Release();
                    }
                }
                catch (OperationCanceledException) when (capped.IsCancellationRequested)
                {
                    return;
                }

                if (failure is null)
                {
                    toSuccess.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    done[challenge] = true;
                    Interlocked.Increment(ref succeeded);
                    return;
                }

                Interlocked.Increment(ref failed);
                failures.AddOrUpdate(failure, 1, (_, n) => n + 1);
                try
                {
                    await Task.Delay(MinBackoff + ((MaxBackoff - MinBackoff) * Random.Shared.NextDouble()), capped.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        var all = Task.WhenAll(challenges.Select(c => Task.Run(() => OneAsync(c))));
        while (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(15))) != all)
        {
            await progress.WriteLineAsync(
                $"    {action}: {Volatile.Read(ref succeeded)}/{challenges.Count} succeeded " +
                    $"after {wall.Elapsed.TotalSeconds:0}s, {Volatile.Read(ref failed)} failed calls ({Describe(failures)})");
        }

        await all;
        wall.Stop();
        return new PhaseResult(wall.Elapsed, capped.IsCancellationRequested && succeeded < challenges.Count, challenges.Count, succeeded,
            attempts, failed, [.. latencies], [.. toSuccess], failures, done.Keys.ToHashSet());
    }

    /// <summary>One webhook call; null on success, else why it failed.</summary>
    private async Task<string?> SendAsync(Challenge challenge, string action, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            using var content = new ByteArrayContent(Payload(challenge, action));
            content.Headers.ContentType = new("application/json");
            var solverUri = solverUris[(int)((uint)Interlocked.Increment(ref _calls) % (uint)solverUris.Count)];
            using var response = await http.PostAsync(solverUri, content, attempt.Token);
            var body = await response.Content.ReadAsStringAsync(attempt.Token);
            if ((int)response.StatusCode != 201)
            {
                return $"HTTP {(int)response.StatusCode}";
            }

            using var answer = JsonDocument.Parse(body);
            var result = answer.RootElement.GetProperty("response");
            if (result.GetProperty("success").GetBoolean())
            {
                return null;
            }

            return result.TryGetProperty("status", out var status) && status.TryGetProperty("message", out var message)
                ? message.GetString() ?? "success:false"
                : "success:false";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "no answer within 30s";
        }
        catch (HttpRequestException e)
        {
            return $"HTTP request failed: {e.HttpRequestError}";
        }
    }

    private static byte[] Payload(Challenge challenge, string action)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("apiVersion", "webhook.acme.cert-manager.io/v1alpha1");
            json.WriteString("kind", "ChallengePayload");
            json.WriteStartObject("request");
            json.WriteString("uid", Guid.NewGuid().ToString());
            json.WriteString("action", action);
            json.WriteString("type", "dns-01");
            json.WriteString("dnsName", challenge.DnsName);
            json.WriteString("key", challenge.Key);
            json.WriteString("resourceNamespace", "default");
            json.WriteString("resolvedFQDN", challenge.Fqdn);
            json.WriteString("resolvedZone", challenge.Zone + ".");
            json.WriteBoolean("allowAmbientCredentials", true);
            json.WriteStartObject("config");
            json.WriteString("region", "us-east-1");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    internal static string Describe(IReadOnlyDictionary<string, int> failures) => failures.Count == 0
        ? "none"
        : string.Join("; ", failures.OrderByDescending(f => f.Value).Take(3).Select(f => $"{f.Value}x {Shorten(f.Key)}"));

    private static string Shorten(string text) => text.Length > 70 ? text[..70] + "..." : text;
}
