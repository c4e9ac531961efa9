using System.Collections.Concurrent;
using System.Globalization;
using System.Security;
using System.Text.RegularExpressions;

namespace WebhookSolver.Testing;

/// <summary>One STS call as the fake received it.</summary>
/// <param name="SigningAccessKeyId">the access key in the SigV4 Authorization header; null for an unsigned call</param>
/// <param name="SigningRegion">the region of the SigV4 credential scope</param>
internal sealed record StsCallRecord(
    string Action,
    string? RoleArn,
    string? RoleSessionName,
    string? WebIdentityToken,
    string? SigningAccessKeyId,
    string? SigningRegion,
    string? SecurityToken);

/// <summary>Credentials the fake STS issued.</summary>
internal sealed record IssuedCredentials(string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration);

/// <summary>
/// STS over its query protocol (form-encoded POST, XML answers, <c>ErrorResponse</c> bodies). AssumeRole must
/// be SigV4-signed for service <c>sts</c>; AssumeRoleWithWebIdentity is unsigned and needs a token the fake
/// accepts. Roles not registered are refused with AccessDenied, as IAM would.
/// </summary>
internal sealed partial class FakeSts : IAsyncDisposable
{
    private const string Namespace = "https://sts.amazonaws.com/doc/2011-06-15/";

    private readonly ConcurrentDictionary<string, bool> _roles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _webIdentityTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StsCallRecord> _calls = new();
    private readonly ConcurrentQueue<IssuedCredentials> _issued = new();
    private readonly TimeProvider _time;
    private int _counter;
    private FakeHttpServer _server = null!;

    private FakeSts(TimeProvider time) => _time = time;

    public static async Task<FakeSts> StartAsync(TimeProvider? time = null)
    {
        var sts = new FakeSts(time ?? TimeProvider.System);
        sts._server = await FakeHttpServer.StartAsync("fake STS", sts.Answer);
        return sts;
    }

    public Uri BaseAddress => _server.BaseAddress;

    public IReadOnlyList<StsCallRecord> Calls => [.. _calls];

    public IReadOnlyList<IssuedCredentials> Issued => [.. _issued];

    /// <summary>How long issued credentials live (STS's default session is an hour).</summary>
    public TimeSpan SessionDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Answer every call with this HTTP status and error code instead (e.g. 503 ServiceUnavailable).</summary>
    public (int Status, string Code, string Message)? FailWith { get; set; }

    public void AllowRole(string roleArn) => _roles[roleArn] = true;

    /// <summary>Told of every session issued, before the answer leaves (a fake Route53 can then accept its keys).</summary>
    public Action<IssuedCredentials>? Issuing { get; set; }

    public void AcceptWebIdentityToken(string token) => _webIdentityTokens[token] = true;

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<date>\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request, " +
        @"SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$")]
    private static partial Regex Authorization();

    private FakeResponse? Answer(RecordedRequest request)
    {
        if (request.Method != "POST" || request.Path != "/")
        {
            return null;
        }

        if (request.Header("content-type")?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true)
        {
            return Error(400, "Sender", "InvalidAction", "Could not find operation for this request");
        }

        var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("?" + request.BodyText)
            .ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);
        var action = form.GetValueOrDefault("Action");
        if (form.GetValueOrDefault("Version") != "2011-06-15" || action is not ("AssumeRole" or "AssumeRoleWithWebIdentity"))
        {
            return null;
        }

        string? signingKey = null;
        string? signingRegion = null;
        if (request.Header("authorization") is { } authorization)
        {
            var match = Authorization().Match(authorization);
            if (!match.Success || match.Groups["service"].Value != "sts")
            {
                return Error(400, "Sender", "IncompleteSignature", "The request signature does not conform to AWS standards.");
            }

            signingKey = match.Groups["key"].Value;
            signingRegion = match.Groups["region"].Value;
        }

        var call = new StsCallRecord(
            action,
            form.GetValueOrDefault("RoleArn"),
            form.GetValueOrDefault("RoleSessionName"),
            form.GetValueOrDefault("WebIdentityToken"),
            signingKey,
            signingRegion,
            request.Header("x-amz-security-token"));
        _calls.Enqueue(call);

        if (FailWith is { } failure)
        {
            return Error(failure.Status, failure.Status >= 500 ? "Receiver" : "Sender", failure.Code, failure.Message);
        }

        if (string.IsNullOrEmpty(call.RoleArn) || string.IsNullOrEmpty(call.RoleSessionName))
        {
            return Error(400, "Sender", "ValidationError", "RoleArn and RoleSessionName are required");
        }

        if (action == "AssumeRole")
        {
            if (signingKey is null)
            {
                return Error(403, "Sender", "MissingAuthenticationToken", "Request is missing Authentication Token");
            }
        }
        else if (string.IsNullOrEmpty(call.WebIdentityToken) || !_webIdentityTokens.ContainsKey(call.WebIdentityToken))
        {
            return Error(400, "Sender", "InvalidIdentityToken",
                "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements");
        }

        if (!_roles.ContainsKey(call.RoleArn))
        {
            return Error(403, "Sender", "AccessDenied",
                action == "AssumeRole"
                    ? $"User: arn:aws:iam::111111111111:user/source is not authorized to perform: sts:AssumeRole on resource: {call.RoleArn}"
                    : "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        }

        var n = Interlocked.Increment(ref _counter);
        var issued = new IssuedCredentials(
            $"ASIASTSFAKE{n:D9}",
            $"sts-secret-{n}-{Guid.NewGuid():N}",
            $"sts-session-{n}-{Guid.NewGuid():N}",
            _time.GetUtcNow() + SessionDuration);
        _issued.Enqueue(issued);
        Issuing?.Invoke(issued);
        return new FakeResponse(200, Success(action, call, issued), "text/xml");
    }

    private static string Success(string action, StsCallRecord call, IssuedCredentials issued)
    {
        var roleName = call.RoleArn!.Split('/').Last();
        var account = call.RoleArn.Split(':') is { Length: > 4 } parts ? parts[4] : "123456789012";
        var extra = action == "AssumeRoleWithWebIdentity"
            ? "<SubjectFromWebIdentityToken>system:serviceaccount:ns:sa</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience>" +
                "<Provider>arn:aws:iam::123456789012:oidc-provider/oidc.example</Provider>"
            : "";
        return $"""
            <{action}Response xmlns="{Namespace}">
              <{action}Result>
                {extra}
                <AssumedRoleUser>
                  <Arn>arn:aws:sts::{account}:assumed-role/{SecurityElement.Escape(roleName)}/{SecurityElement.Escape(call.RoleSessionName)}</Arn>
                  <AssumedRoleId>AROAFAKEROLEID:{SecurityElement.Escape(call.RoleSessionName)}</AssumedRoleId>
                </AssumedRoleUser>
                <Credentials>
                  <AccessKeyId>{issued.AccessKeyId}</AccessKeyId>
                  <SecretAccessKey>{issued.SecretAccessKey}</SecretAccessKey>
                  <SessionToken>{issued.SessionToken}</SessionToken>
                  <Expiration>{issued.Expiration.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}</Expiration>
                </Credentials>
                <PackedPolicySize>6</PackedPolicySize>
              </{action}Result>
              <ResponseMetadata>
                <RequestId>{Guid.NewGuid()}</RequestId>
              </ResponseMetadata>
            </{action}Response>
            """;
    }

    private static FakeResponse Error(int status, string type, string code, string message) => new(status, $"""
        <ErrorResponse xmlns="{Namespace}">
          <Error>
            <Type>{type}</Type>
            <Code>{code}</Code>
            <Message>{SecurityElement.Escape(message)}</Message>
          </Error>
          <RequestId>{Guid.NewGuid()}</RequestId>
        </ErrorResponse>
        """, "text/xml");

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
