using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Challenges;

/// <summary>
/// <c>POST /apis/&lt;group&gt;/v1alpha1/&lt;solver&gt;</c>: decode a ChallengePayload, hand it to the solver,
/// answer 201 with the payload echoed and a response. Malformed HTTP gets a 4xx Status; a solver failure
/// gets 201 with <c>success:false</c> — cert-manager reads the two channels differently.
/// </summary>
internal static partial class ChallengeEndpoints
{
    private static readonly string[] OtherVerbs = ["GET", "PUT", "PATCH", "DELETE"];

    /// <summary>Body limit of the protocol: a ChallengePayload is a few KB.</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    public static IServiceCollection AddChallenges(this IServiceCollection services)
    {
        services.AddOptions<ChallengeOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<ChallengeMetrics>();
        return services;
    }

    public static WebApplication MapChallenges(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ChallengeOptions>>().Value;
        var path = SolverPath(options);

        app.MapPost(path, CreateAsync)
            .WithName("createChallengePayload")
            .WithTags("ChallengePayload")
            .WithSummary("Present or clean up a DNS01 challenge record")
            .Accepts<ChallengePayload>("application/json", "*/*")
            .Produces<ChallengePayload>(StatusCodes.Status201Created)
            .Produces<KubernetesStatus>(StatusCodes.Status400BadRequest)
            .Produces<KubernetesStatus>(StatusCodes.Status413PayloadTooLarge);
        app.MapMethodNotAllowed(path, OtherVerbs, "create");
        // Every other path, with the lowest priority, as MapFallback does; mapped as a plain catch-all route so that
        // paths that look like file names (a group name has dots: /apis/other.example.com) are answered too.
        app.Map("{**path}", () => NotFound()).WithOrder(int.MaxValue).WithDisplayName("Fallback").ExcludeFromDescription();
        return app;
    }

    public static string SolverPath(ChallengeOptions options) => $"/apis/{options.GroupName}/v1alpha1/{options.SolverName}";

    /// <summary>Answers the verbs a path does not serve with 405 and a Status (routing alone answers with an empty body).</summary>
    internal static void MapMethodNotAllowed(this WebApplication app, string path, string[] verbs, string allowed) =>
        app.MapMethods(path, verbs, (HttpContext http) => KubernetesStatus.Result(
                StatusCodes.Status405MethodNotAllowed,
                "MethodNotAllowed",
                $"the server does not allow this method on the requested resource; allowed: {allowed}"))
            .ExcludeFromDescription();

    internal static IResult NotFound() =>
        KubernetesStatus.Result(StatusCodes.Status404NotFound, "NotFound", "the server could not find the requested resource");

    private static async Task<IResult> CreateAsync(
        HttpContext http, ISolver solver, IOptions<ChallengeOptions> options, TimeProvider time, ChallengeMetrics metrics, ILoggerFactory loggers)
    {
        var (body, unreadable) = await ReadBodyAsync(http.Request, MaxRequestBodyBytes, http.RequestAborted);
        if (unreadable is not null)
        {
            return unreadable;
        }

        if (body.IsEmpty)
        {
            return BadRequest("request body is empty; send a ChallengePayload (JSON) as cert-manager does");
        }

        ChallengePayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize(body.Span, ChallengeJsonContext.Wire.ChallengePayload);
        }
        catch (JsonException e)
        {
            return BadRequest($"request body is not a valid ChallengePayload: {Describe(e)}");
        }

        if (payload?.Request is not { } request)
        {
            return BadRequest("ChallengePayload has no request object");
        }

        if (!CanEcho(payload))
        {
            return BadRequest("request body holds a string that is not valid Unicode (an unpaired UTF-16 surrogate escape such as \\ud800)");
        }

        if (request.Action is null)
        {
            return BadRequest("request.action is missing; cert-manager sends 'Present' or 'CleanUp'");
        }

        if (request.Action is not (ChallengeAction.Present or ChallengeAction.CleanUp))
        {
            return BadRequest($"request.action {Quote(request.Action)} is not supported; cert-manager sends 'Present' or 'CleanUp'");
        }

        var logger = loggers.CreateLogger(typeof(ChallengeEndpoints));
        using var scope = ChallengeScope(logger, request.Action, request.DnsName, request.ResolvedFQDN, request.ResolvedZone, request.ResourceNamespace);

        var started = time.GetTimestamp();
        var response = await SolveAsync(solver, request, options.Value.ChallengeTimeout, time, logger, http.RequestAborted);
        metrics.ChallengeAnswered(request.Action, response.Success, time.GetElapsedTime(started));
        var answer = payload with { ApiVersion = ChallengePayload.GroupVersion, Kind = ChallengePayload.KindName, Response = response };
        return TypedResults.Json(answer, ChallengeJsonContext.Wire.ChallengePayload, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<ChallengeResponse> SolveAsync(
        ISolver solver, ChallengeRequest request, TimeSpan timeout, TimeProvider time, ILogger logger, CancellationToken aborted)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, aborted);
        // A challenge outside the formats fails alone, before the solver (and any batch) sees it.
        var failure = ChallengeValidator.Problem(request);
        if (failure is not null)
        {
            LogFailed(logger, request.Action, failure);
            return new ChallengeResponse { Uid = request.Uid, Success = false, Result = KubernetesStatus.SolverFailure(failure) };
        }

        try
        {
            var work = request.Action == ChallengeAction.Present
                ? solver.PresentAsync(request, linked.Token)
                : solver.CleanUpAsync(request, linked.Token);
            await work;
            LogSolved(logger, request.Action);
            return new ChallengeResponse { Uid = request.Uid, Success = true };
        }
        catch (SolverException e)
        {
            failure = e.Message;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            failure = $"{request.Action} did not finish within {timeout.TotalSeconds:0}s; Route53 is slow or throttling, cert-manager will retry";
        }
        catch (Exception e) when (!aborted.IsCancellationRequested)
        {
            // Unexpected: the exception text may come from anywhere, so only its type is shown.
            LogUnexpected(logger, e, request.Action);
            failure = $"{request.Action} failed with an internal error ({e.GetType().Name}); see the webhook's logs";
        }

        LogFailed(logger, request.Action, failure);
        return new ChallengeResponse
        {
            Uid = request.Uid,
            Success = false,
            Result = KubernetesStatus.SolverFailure(failure),
        };
    }

    /// <summary>
    /// Reads at most <paramref name="limit"/> bytes. A longer body is answered 413; a body Kestrel cannot read
    /// (a malformed or overflowing chunk size, a truncated body) is answered 400.
    /// </summary>
    private static async Task<(ReadOnlyMemory<byte> Body, IResult? Refusal)> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var tooLarge = KubernetesStatus.Result(StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge",
            $"request body is larger than {limit / 1024} KiB; a ChallengePayload is a few KB");
        if (request.ContentLength > limit)
        {
            return (default, tooLarge);
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return (default, tooLarge);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, tooLarge);
        }
        catch (Exception e) when (e is BadHttpRequestException || e is IOException && !cancellationToken.IsCancellationRequested)
        {
            // Kestrel reports a chunk size beyond 64 bits as an IOException ("Bad chunk size data"), not a bad request.
            return (default, BadRequest("request body could not be read: its framing is malformed (e.g. a chunk size that is not valid hex or overflows)"));
        }

        return (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
    }

    /// <summary>
    /// <c>config</c> and unknown fields are kept as raw JSON and only decoded when the answer is written; a lone
    /// surrogate escape there would fail the answer with a 5xx after the solver already ran.
    /// </summary>
    private static bool CanEcho(ChallengePayload payload)
    {
        try
        {
            JsonSerializer.SerializeToUtf8Bytes(payload, ChallengeJsonContext.Wire.ChallengePayload);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static IResult BadRequest(string message) =>
        KubernetesStatus.Result(StatusCodes.Status400BadRequest, "BadRequest", message);

    /// <summary>The JSON error's position, without echoing the (possibly huge or secret) input.</summary>
    private static string Describe(JsonException e) =>
        e.Path is null ? "not JSON" : $"invalid value at {e.Path} (line {e.LineNumber + 1}, byte {e.BytePositionInLine})";

    /// <summary>The caller's text, shown only as far as it is printable ASCII.</summary>
    private static string Quote(string value)
    {
        var shown = new string([.. value.Take(40).Select(c => c is >= ' ' and < '\u007f' ? c : '?')]);
        return $"'{(value.Length > 40 ? shown + "..." : shown)}'";
    }

    private static readonly Func<ILogger, string, string, string, string, string, IDisposable?> ChallengeScope =
        LoggerMessage.DefineScope<string, string, string, string, string>(
            "{Action} dnsName={DnsName} resolvedFQDN={ResolvedFQDN} resolvedZone={ResolvedZone} resourceNamespace={ResourceNamespace}");

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "{Action} succeeded")]
    private static partial void LogSolved(ILogger logger, string action);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "{Action} failed: {Failure}")]
    private static partial void LogFailed(ILogger logger, string action, string failure);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "{Action} failed with an unexpected exception")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string action);
}
