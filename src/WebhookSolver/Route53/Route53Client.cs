using System.Globalization;
using System.Net;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using Microsoft.Extensions.Options;
using WebhookSolver.Credentials;

namespace WebhookSolver.Route53;

/// <summary>
/// The four Route53 operations this webhook needs, over REST-XML and SigV4. Every call goes through
/// <see cref="SendAsync"/>, the one place that signs, retries, rate-limits and measures.
/// </summary>
internal sealed partial class Route53Client(
    IHttpClientFactory httpClients,
    IOptions<Route53Options> options,
    Route53RateLimiter limiter,
    Route53Metrics metrics,
    TimeProvider time,
    ILogger<Route53Client> logger)
{
    public const string HttpClientName = "Route53";
    private const string SigningService = "route53";
    private const string ApiPrefix = "/2013-04-01";

    public async Task<ChangeInfo> ChangeResourceRecordSetsAsync(
        AwsIdentity identity, string hostedZoneId, IReadOnlyList<Change> changes, CancellationToken cancellationToken)
    {
        var body = Route53Xml.ChangeResourceRecordSetsRequest(changes, "cert-manager DNS01 challenge");
        var xml = await SendAsync(identity, "ChangeResourceRecordSets", HttpMethod.Post,
            $"{ApiPrefix}/hostedzone/{Escape(hostedZoneId)}/rrset/", body, hostedZoneId, cancellationToken, changes.Count);
        return Route53Xml.ParseChangeInfo(xml);
    }

    public async Task<ChangeInfo> GetChangeAsync(AwsIdentity identity, string changeId, CancellationToken cancellationToken)
    {
        var xml = await SendAsync(identity, "GetChange", HttpMethod.Get, $"{ApiPrefix}/change/{Escape(changeId)}", null, null, cancellationToken);
        return Route53Xml.ParseChangeInfo(xml);
    }

    /// <summary>One page of hosted zones in Route53's order (labels reversed), starting at <paramref name="dnsName"/>.</summary>
    public async Task<HostedZonesPage> ListHostedZonesByNameAsync(
        AwsIdentity identity, string dnsName, string? hostedZoneId, CancellationToken cancellationToken)
    {
        var query = $"dnsname={Escape(DnsName.Relative(dnsName))}"
            + (hostedZoneId is null ? "" : $"&hostedzoneid={Escape(hostedZoneId)}")
            + $"&maxitems={options.Value.PageSize.ToString(CultureInfo.InvariantCulture)}";
        var xml = await SendAsync(identity, "ListHostedZonesByName", HttpMethod.Get, $"{ApiPrefix}/hostedzonesbyname?{query}", null, null, cancellationToken);
        return Route53Xml.ParseHostedZonesByName(xml);
    }

    /// <summary>One page of record sets in Route53's order, starting at <paramref name="name"/> / <paramref name="type"/>.</summary>
    public async Task<ResourceRecordSetsPage> ListResourceRecordSetsAsync(
        AwsIdentity identity, string hostedZoneId, string name, string type, string? identifier, CancellationToken cancellationToken)
    {
        var query = $"name={Escape(name)}&type={Escape(type)}"
            + (identifier is null ? "" : $"&identifier={Escape(identifier)}")
            + $"&maxitems={options.Value.PageSize.ToString(CultureInfo.InvariantCulture)}";
        var xml = await SendAsync(identity, "ListResourceRecordSets", HttpMethod.Get,
            $"{ApiPrefix}/hostedzone/{Escape(hostedZoneId)}/rrset?{query}", null, hostedZoneId, cancellationToken);
        return Route53Xml.ParseResourceRecordSets(xml);
    }

    /// <summary>
    /// Sends one operation, retrying transient failures (throttling, a busy zone, 5xx, no answer) with exponential
    /// backoff and full jitter until <paramref name="cancellationToken"/> ends the attempt budget. When it does after a
    /// transient failure, that failure is thrown, so the user reads the cause rather than "cancelled". Every attempt
    /// first waits for its turn in the process-wide <see cref="Route53RateLimiter"/>, and is counted by outcome.
    /// </summary>
    /// <param name="batchSize">number of changes, for ChangeResourceRecordSets</param>
    private async Task<string> SendAsync(
        AwsIdentity identity, string operation, HttpMethod method, string pathAndQuery, string? body, string? hostedZoneId,
        CancellationToken cancellationToken, int? batchSize = null)
    {
        var settings = options.Value;
        var partition = Route53Partition.ForRegion(identity.Region);
        var uri = new Uri(partition.EndpointWith(settings.Endpoint), pathAndQuery);
        Route53Exception? lastFailure = null;
        for (var attempt = 1; ; attempt++)
        {
            var started = 0L;
            try
            {
                await limiter.AcquireAsync(cancellationToken);
                if (batchSize is { } changes)
                {
                    metrics.ChangeBatchSent(changes);
                }

                started = time.GetTimestamp();
                var answer = await SendOnceAsync(identity, partition, operation, method, uri, body, hostedZoneId, settings.AttemptTimeout, cancellationToken);
                metrics.Route53Call(operation, "success", time.GetElapsedTime(started));
                return answer;
            }
            catch (Route53Exception e)
            {
                metrics.Route53Call(operation, Outcome(e), time.GetElapsedTime(started));
                if (!e.IsRetryable)
                {
                    throw;
                }

                if (e.IsThrottling || e.Code == "PriorRequestNotComplete")
                {
                    metrics.Route53Throttled(operation, e.Code);
                }

                if (e.IsThrottling)
                {
                    limiter.Throttled();
                }

                lastFailure = e;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (started != 0)
                {
                    metrics.Route53Call(operation, "cancelled", time.GetElapsedTime(started));
                }

                if (lastFailure is not null)
                {
                    throw lastFailure;
                }

                throw;
            }

            var ceiling = Math.Min(settings.RetryMaxDelay.TotalMilliseconds, settings.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
            var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
            LogRetrying(logger, operation, attempt, lastFailure.Code, (long)delay.TotalMilliseconds);
            metrics.Route53Retry(operation);
            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw lastFailure;
            }
        }
    }

    private async Task<string> SendOnceAsync(
        AwsIdentity identity, Route53Partition partition, string operation, HttpMethod method, Uri uri, string? body, string? hostedZoneId,
        TimeSpan attemptTimeout, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(attemptTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = await SignedRequestAsync(identity, partition, method, uri, body, linked.Token);
        var client = httpClients.CreateClient(HttpClientName);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
            var text = await response.Content.ReadAsStringAsync(linked.Token);
            if (response.IsSuccessStatusCode)
            {
                return text;
            }

            var status = (int)response.StatusCode;
            var (code, messages) = Route53Xml.ParseError(text) ?? ($"HTTP{status}", []);
            throw Route53Errors.Create(operation, status, code, messages, hostedZoneId);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Route53Errors.Create(operation, 0, Route53Exception.TimeoutCode,
                [$"no answer within {attemptTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s"], hostedZoneId);
        }
        catch (HttpRequestException e)
        {
            // Even when the caller's deadline ends at the same moment, the raw exception (with its address) never escapes.
            // The error kind, not the exception text: stable across retries and free of addresses that change.
            throw Route53Errors.Create(operation, 0, Route53Exception.ConnectionFailedCode, [$"{e.HttpRequestError} reaching {uri.Host}"], hostedZoneId);
        }
    }

    private async Task<HttpRequestMessage> SignedRequestAsync(
        AwsIdentity identity, Route53Partition partition, HttpMethod method, Uri uri, string? body, CancellationToken cancellationToken)
    {
        var content = body is null ? null : Encoding.UTF8.GetBytes(body);
        var signing = new AWSSigningRequest { HttpMethod = method, RequestUri = uri, Content = content };
        if (content is not null)
        {
            signing.Headers["Content-Type"] = "application/xml";
        }

        var signed = await AWSSigV4Signer.SignAsync(signing, new AWSSigV4Parameters
        {
            Credentials = ToAwsCredentials(identity.Credentials),
            Region = RegionEndpoint.GetBySystemName(partition.SigningRegion),
            Service = SigningService,
            SignedAt = time.GetUtcNow().UtcDateTime,
        }, cancellationToken);

        var request = new HttpRequestMessage(method, uri) { Version = HttpVersion.Version11 };
        if (content is not null)
        {
            request.Content = new ByteArrayContent(content);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/xml");
        }

        foreach (var (name, value) in signed.Headers)
        {
            if (!string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    /// <summary>A small, fixed set of label values: Route53's error code, or the kind of failure when there was no answer.</summary>
    private static string Outcome(Route53Exception e) => e.Code switch
    {
        Route53Exception.TimeoutCode => "timeout",
        Route53Exception.ConnectionFailedCode => "connection",
        _ when e.StatusCode >= 500 => "http_5xx",
        _ when e.Code.StartsWith("HTTP", StringComparison.Ordinal) => "http_" + e.StatusCode.ToString(CultureInfo.InvariantCulture),
        _ => e.Code,
    };

    private static AWSCredentials ToAwsCredentials(ImmutableCredentials credentials) => credentials.UseToken
        ? new SessionAWSCredentials(credentials.AccessKey, credentials.SecretKey, credentials.Token)
        : new BasicAWSCredentials(credentials.AccessKey, credentials.SecretKey);

    private static string Escape(string value) => Uri.EscapeDataString(value);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Route53 {Operation} attempt {Attempt} failed with {Code}; retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string operation, int attempt, string code, long delayMs);
}
