
namespace WebhookSolver.Route53;

/// <summary>Why a ChangeResourceRecordSets batch was refused, from Route53's InvalidChangeBatch messages.</summary>
internal enum BatchConflict
{
    /// <summary>Not a batch error, or one this webhook cannot fix by reading again.</summary>
    None,

    /// <summary>"Tried to delete ... but it was not found": the set went away since it was read.</summary>
    NotFound,

    /// <summary>"... the values provided do not match the current values": the set changed since it was read.</summary>
    ValuesChanged,

    /// <summary>"Tried to create ... but it already exists": another writer created it first.</summary>
    AlreadyExists,

    /// <summary>"... a (non) multivalue answer rrset exists with the same name and type": the name's shape changed.</summary>
    ShapeChanged,
}

/// <summary>
/// A Route53 error answer (ErrorResponse or InvalidChangeBatch), typed. <see cref="Exception.Message"/> is what the
/// user sees: what failed and what to do, with no request id, so it is identical on every retry of the same cause.
/// </summary>
/// <param name="inDoubt">the request may have reached Route53 and been applied although no readable answer came back</param>
internal sealed class Route53Exception(string message, string operation, int statusCode, string code, IReadOnlyList<string> awsMessages, bool inDoubt = false)
    : SolverException(message)
{
    public const string InvalidChangeBatchCode = "InvalidChangeBatch";

    public const string InvalidInputCode = "InvalidInput";

    public const string NoSuchHostedZoneCode = "NoSuchHostedZone";

    /// <summary>The one list of codes that mean "the account's API rate is spent" (Route53's and the SDKs' spellings).</summary>
    public static readonly IReadOnlySet<string> ThrottlingCodes =
        new HashSet<string>(StringComparer.Ordinal) { "Throttling", "ThrottlingException", "RequestLimitExceeded" };

    public string Operation { get; } = operation;

    /// <summary>HTTP status; 0 when no answer arrived (timeout, connection failure).</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>Route53's error code (<c>Throttling</c>, <c>InvalidChangeBatch</c>, ...); <c>Timeout</c> or <c>ConnectionFailed</c> without an
    /// answer.</summary>
    public string Code { get; } = code;

    /// <summary>Route53's own messages, without request ids.</summary>
    public IReadOnlyList<string> AwsMessages { get; } = awsMessages;

    /// <summary>Transient: the same request can succeed later (throttling, a zone busy with a prior change, 5xx, no answer).</summary>
    public bool IsRetryable =>
        IsThrottling || Code is "PriorRequestNotComplete" or "ServiceUnavailable" or "InternalFailure" or "InternalError"
            or TimeoutCode or ConnectionFailedCode or MalformedCode
        || StatusCode >= 500;

    /// <summary>The account's API rate is spent (not a busy zone): the rate limiter slows down.</summary>
    public bool IsThrottling => ThrottlingCodes.Contains(Code);

    /// <summary>The request may have been applied: no readable answer came (no answer in time, a connection lost after sending, 5xx, an unreadable
    /// body).</summary>
    public bool InDoubt { get; } = inDoubt;

    /// <summary>The hosted zone id is unknown to Route53 (deleted, perhaps created again under a new id).</summary>
    public bool IsNoSuchZone => Code == NoSuchHostedZoneCode || (StatusCode == 404 && Code.StartsWith("HTTP", StringComparison.Ordinal));

    public const string TimeoutCode = "Timeout";
    public const string ConnectionFailedCode = "ConnectionFailed";

    /// <summary>A 2xx answer whose body is not the API's XML (truncated, garbled, an HTML page of a proxy).</summary>
    public const string MalformedCode = "Malformed";

    public BatchConflict Conflict
    {
        get
        {
            if (Code != InvalidChangeBatchCode)
            {
                return BatchConflict.None;
            }

            var conflicts = AwsMessages.Select(Classify).ToList();
            // A batch fails as a whole: any message that is not a conflict makes re-reading pointless.
            return conflicts.Count == 0 || conflicts.Contains(BatchConflict.None) ? BatchConflict.None : conflicts[0];
        }
    }

    private static BatchConflict Classify(string message) => message switch
    {
        _ when message.Contains("but it was not found", StringComparison.OrdinalIgnoreCase) => BatchConflict.NotFound,
        _ when message.Contains("values provided do not match the current values", StringComparison.OrdinalIgnoreCase) => BatchConflict.ValuesChanged,
        _ when message.Contains("but it already exists", StringComparison.OrdinalIgnoreCase) => BatchConflict.AlreadyExists,
        _ when message.Contains("multivalue answer rrset exists", StringComparison.OrdinalIgnoreCase) => BatchConflict.ShapeChanged,
        _ => BatchConflict.None,
    };
}
