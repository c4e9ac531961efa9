
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
internal sealed class Route53Exception(string message, string operation, int statusCode, string code, IReadOnlyList<string> awsMessages)
    : SolverException(message)
{
    public const string InvalidChangeBatchCode = "InvalidChangeBatch";

    public string Operation { get; } = operation;

    /// <summary>HTTP status; 0 when no answer arrived (timeout, connection failure).</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>Route53's error code (<c>Throttling</c>, <c>InvalidChangeBatch</c>, ...); <c>Timeout</c> or <c>ConnectionFailed</c> without an answer.</summary>
    public string Code { get; } = code;

    /// <summary>Route53's own messages, without request ids.</summary>
    public IReadOnlyList<string> AwsMessages { get; } = awsMessages;

    /// <summary>Transient: the same request can succeed later (throttling, a zone busy with a prior change, 5xx, no answer).</summary>
    public bool IsRetryable =>
        Code is "Throttling" or "ThrottlingException" or "PriorRequestNotComplete" or "RequestLimitExceeded" or "ServiceUnavailable"
            or "InternalFailure" or "InternalError" or TimeoutCode or ConnectionFailedCode
        || StatusCode >= 500;

    /// <summary>The account's API rate is spent (not a busy zone): the rate limiter slows down.</summary>
    public bool IsThrottling => Code is "Throttling" or "ThrottlingException" or "RequestLimitExceeded";

    public const string TimeoutCode = "Timeout";
    public const string ConnectionFailedCode = "ConnectionFailed";

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
