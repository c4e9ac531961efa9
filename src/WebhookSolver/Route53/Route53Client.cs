using System.Globalization;
using System.Net;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using Microsoft.Extensions.Options;
using WebhookSolver.Challenges;
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
    JitterSource jitter,
    Route53Metrics metrics,
    TimeProvider time,
    ILogger<Route53Client> logger)
{
    public const string HttpClientName = "Route53";
    private const string SigningService = "route53";
    private const string ApiPrefix = "/2013-04-01";

    /// <summary>
    /// Sends one change batch. Unlike the reads, an attempt that may have been applied (no answer in time, a connection
    /// lost after sending, 5xx, an unreadable answer) is not sent again here: it throws with
    /// <see cref="Route53Exception.InDoubt"/>, so the caller reads the names before writing again.
    /// </summary>
    /// <param name="turn">a turn of the rate limiter already waited for, which the first attempt spends</param>
    public async Task<ChangeInfo> ChangeResourceRecordSetsAsync(
        AwsIdentity identity, string hostedZoneId, IReadOnlyList<Change> changes, CancellationToken cancellationToken, Route53Turn? turn = null)
    {
        var body = Route53Xml.ChangeResourceRecordSetsRequest(changes, "cert-manager DNS01 challenge");
        var info = await SendAsync(identity, "ChangeResourceRecordSets", HttpMethod.Post,
            $"{ApiPrefix}/hostedzone/{Escape(hostedZoneId)}/rrset/", body, hostedZoneId, Route53Xml.ParseChangeInfo, cancellationToken, changes.Count, turn);
        return Checked(info, "ChangeResourceRecordSets");
    }

    public async Task<ChangeInfo> GetChangeAsync(AwsIdentity identity, string changeId, CancellationToken cancellationToken)
    {
        var info = await SendAsync(identity, "GetChange", HttpMethod.Get, $"{ApiPrefix}/change/{Escape(changeId)}", null, null,
            Route53Xml.ParseChangeInfo, cancellationToken);
        return Checked(info, "GetChange");
    }

    /// <summary>One page of hosted zones in Route53's order (labels reversed), starting at <paramref name="dnsName"/>.</summary>
    public async Task<HostedZonesPage> ListHostedZonesByNameAsync(
        AwsIdentity identity, string dnsName, string? hostedZoneId, CancellationToken cancellationToken)
    {
        var query = $"dnsname={Escape(DnsName.Relative(dnsName))}"
            + (hostedZoneId is null ? "" : $"&hostedzoneid={Escape(hostedZoneId)}")
            + $"&maxitems={options.Value.PageSize.ToString(CultureInfo.InvariantCulture)}";
        var page = await SendAsync(identity, "ListHostedZonesByName", HttpMethod.Get, $"{ApiPrefix}/hostedzonesbyname?{query}", null, null,
            Route53Xml.ParseHostedZonesByName, cancellationToken);
        // Zone ids from the answer become request paths: they are held to the same format as the config's hostedZoneID.
        if (page.HostedZones.Any(zone => !AwsFormats.IsHostedZoneId(zone.Id))
            || page.NextHostedZoneId is { } next && !AwsFormats.IsHostedZoneId(next))
        {
            throw Unexpected("ListHostedZonesByName", $"a hosted zone id that is not {AwsFormats.HostedZoneIdRule}");
        }

        return page;
    }

    /// <summary>One page of record sets in Route53's order, starting at <paramref name="name"/> / <paramref name="type"/>.</summary>
    /// <param name="turn">a turn of the rate limiter already waited for, which the first attempt spends</param>
    public Task<ResourceRecordSetsPage> ListResourceRecordSetsAsync(
        AwsIdentity identity, string hostedZoneId, string name, string type, string? identifier, CancellationToken cancellationToken,
        Route53Turn? turn = null)
    {
        var query = $"name={Escape(name)}&type={Escape(type)}"
            + (identifier is null ? "" : $"&identifier={Escape(identifier)}")
            + $"&maxitems={options.Value.PageSize.ToString(CultureInfo.InvariantCulture)}";
        return SendAsync(identity, "ListResourceRecordSets", HttpMethod.Get,
            $"{ApiPrefix}/hostedzone/{Escape(hostedZoneId)}/rrset?{query}", null, hostedZoneId, Route53Xml.ParseResourceRecordSets, cancellationToken,
            turn: turn);
    }

    /// <summary>
    /// Sends one operation, retrying transient failures (throttling, a busy zone, 5xx, no answer) with exponential
    /// backoff and full jitter until <paramref name="cancellationToken"/> ends the attempt budget. When it does after a
    /// transient failure, that failure is thrown, so the user reads the cause rather than "cancelled". Every attempt
    /// first waits for its turn in the process-wide <see cref="Route53RateLimiter"/>, and is counted by outcome.
    /// </summary>
    /// <param name="parse">reads the answer; an answer it cannot read is a transient failure (<see cref="Route53Exception.MalformedCode"/>)</param>
    /// <param name="batchSize">number of changes, for ChangeResourceRecordSets (whose attempts in doubt are not repeated here)</param>
    /// <param name="turn">a turn of the rate limiter already waited for: the first attempt spends it instead of waiting</param>
    private async Task<T> SendAsync<T>(
        AwsIdentity identity, string operation, HttpMethod method, string pathAndQuery, string? body, string? hostedZoneId,
        Func<string, T> parse, CancellationToken cancellationToken, int? batchSize = null, Route53Turn? turn = null)
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
                await limiter.AcquireAsync(turn, cancellationToken);
                if (batchSize is { } changes)
                {
                    metrics.ChangeBatchSent(changes);
                }

                started = time.GetTimestamp();
                var answer = await SendOnceAsync(identity, partition, operation, method, uri, body, hostedZoneId, settings.AttemptTimeout, cancellationToken);
                var parsed = Parse(operation, answer, parse, hostedZoneId, inDoubt: batchSize is not null);
                metrics.Route53Call(operation, "success", time.GetElapsedTime(started));
                return parsed;
            }
            catch (Route53Exception e)
            {
                metrics.Route53Call(operation, Outcome(e), time.GetElapsedTime(started));
                if (!e.IsRetryable || (e.InDoubt && batchSize is not null))
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

            var delay = Backoff.Delay(jitter, settings.RetryBaseDelay, settings.RetryMaxDelay, attempt);
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
            if (status is >= 300 and < 400)
            {
                throw new Route53Exception(
                    $"Route53 answered {operation} with a redirect (HTTP {status}), which is never followed for signed requests; " +
                    "check the Route53 endpoint (AWS_ENDPOINT_URL_ROUTE53, AWS_ENDPOINT_URL) and any proxy in between",
                    operation, status, UnexpectedAnswerCode, []);
            }

            var (code, messages) = Route53Xml.ParseError(text) ?? ($"HTTP{status}", []);
            // A 5xx may come from a front end after the change was applied behind it.
            throw Route53Errors.Create(operation, status, code, messages, hostedZoneId, inDoubt: status >= 500);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Route53Errors.Create(operation, 0, Route53Exception.TimeoutCode,
                [$"no answer within {attemptTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s"], hostedZoneId, inDoubt: true);
        }
        catch (HttpRequestException e)
        {
            // Even when the caller's deadline ends at the same moment, the raw exception (with its address) never escapes.
            // The error kind, not the exception text: stable across retries and free of addresses that change.
            // Only a connection never made proves the request was not sent.
            var sent =
                e.HttpRequestError is not (HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError);
            throw Route53Errors.Create(operation, 0, Route53Exception.ConnectionFailedCode, [$"{e.HttpRequestError} reaching {uri.Host}"], hostedZoneId,
                inDoubt: sent);
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
            // Every value was checked where it entered; this is the last line: nothing outside printable ASCII is sent.
            if (!value.All(c => c is >= ' ' and < '\u007f'))
            {
                request.Dispose();
                throw new SolverException($"refusing to send a Route53 request: the {name} header would hold a character outside printable ASCII");
            }

            if (!string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    private static ChangeInfo Checked(ChangeInfo info, string operation) =>
        AwsFormats.IsChangeId(info.Id) ? info : throw Unexpected(operation, $"a change id that is not {AwsFormats.ChangeIdRule}");

    private static Route53Exception Unexpected(string operation, string what) =>
        new($"Route53 answered {operation} with {what}; the answer was not used", operation, 200, UnexpectedAnswerCode, []);

    /// <summary>The code of an answer this client refused to use (a redirect, or a value outside its format).</summary>
    public const string UnexpectedAnswerCode = "UnexpectedAnswer";

    /// <summary>An answer that is not the API's XML is transient: a proxy or front end garbled it; the operation is tried again.</summary>
    private static T Parse<T>(string operation, string answer, Func<string, T> parse, string? hostedZoneId, bool inDoubt)
    {
        try
        {
            return parse(answer);
        }
        catch (Exception e) when (e is System.Xml.XmlException or FormatException)
        {
            throw Route53Errors.Create(operation, 200, Route53Exception.MalformedCode, ["the answer is not Route53's XML"], hostedZoneId, inDoubt);
        }
    }

    /// <summary>A small, fixed set of label values: Route53's error code, or the kind of failure when there was no answer.</summary>
    private static string Outcome(Route53Exception e) => e.Code switch
    {
        Route53Exception.TimeoutCode => "timeout",
        Route53Exception.ConnectionFailedCode => "connection",
        Route53Exception.MalformedCode => "malformed",
        _ when e.StatusCode >= 500 => "http_5xx",
        _ when e.Code.StartsWith("HTTP", StringComparison.Ordinal) => "http_" + e.StatusCode.ToString(CultureInfo.InvariantCulture),
        _ => e.Code,
    };

    private static AWSCredentials ToAwsCredentials(ImmutableCredentials credentials) => credentials.UseToken
        ? new SessionAWSCredentials(credentials.AccessKey, credentials.SecretKey, credentials.Token)
        : new BasicAWSCredentials(credentials.AccessKey, credentials.SecretKey);

    private static string Escape(string value) => Uri.EscapeDataString(value);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Route53 {Operation} attempt {Attempt} failed with {Code}; retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string operation, int attempt, string code, long delayMs);
}
