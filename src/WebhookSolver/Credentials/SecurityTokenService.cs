using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace WebhookSolver.Credentials;

/// <summary>Temporary credentials and when STS says they expire.</summary>
internal sealed record TemporaryCredentials(ImmutableCredentials Credentials, DateTimeOffset Expiration);

/// <summary>
/// AssumeRole and AssumeRoleWithWebIdentity against one regional STS endpoint (or the
/// <c>AWS_ENDPOINT_URL_STS</c> override), with cert-manager's wording for failures.
/// </summary>
/// <remarks>
/// A client is built per call rather than taken from AWSSDK.Extensions.NETCore.Setup's <c>AddAWSService</c>: that
/// registers one client with one set of credentials and one region, while each call here signs with the
/// challenge's own source credentials (or none, for a web identity) against the region and endpoint its
/// <see cref="CredentialPlan"/> chose. The <c>AWS</c> section still feeds these calls through
/// <see cref="AwsEnvironment"/> (region, profile, <c>AWS:ServiceURL</c>).
/// </remarks>
internal sealed class SecurityTokenService(TimeProvider time)
{
    /// <summary>What STS grants when it does not say: its default session length.</summary>
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    public async Task<TemporaryCredentials> AssumeRoleAsync(
        ImmutableCredentials source, string role, string region, Uri endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        AWSCredentials signing = source.UseToken
            ? new SessionAWSCredentials(source.AccessKey, source.SecretKey, source.Token)
            : new BasicAWSCredentials(source.AccessKey, source.SecretKey);
        using var client = new AmazonSecurityTokenServiceClient(signing, Config(region, endpoint));
        try
        {
            var response = await client.AssumeRoleAsync(
                new AssumeRoleRequest { RoleArn = role, RoleSessionName = CredentialPlan.RoleSessionName },
                cancellationToken).ConfigureAwait(false);
            return Convert(response.Credentials, "unable to assume role");
        }
        catch (Exception e) when (e is not SolverException && !cancellationToken.IsCancellationRequested)
        {
            throw Failure("unable to assume role", role, endpoint, e);
        }
    }

    public async Task<TemporaryCredentials> AssumeRoleWithWebIdentityAsync(
        string webIdentityToken, string role, string region, Uri endpoint, CancellationToken cancellationToken)
    {
        // The token is the proof of identity: STS takes this call unsigned.
        using var client = new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), Config(region, endpoint));
        try
        {
            var response = await client.AssumeRoleWithWebIdentityAsync(
                new AssumeRoleWithWebIdentityRequest
                {
                    RoleArn = role,
                    RoleSessionName = CredentialPlan.RoleSessionName,
                    WebIdentityToken = webIdentityToken,
                },
                cancellationToken).ConfigureAwait(false);
            return Convert(response.Credentials, "unable to assume role with web identity");
        }
        catch (Exception e) when (e is not SolverException && !cancellationToken.IsCancellationRequested)
        {
            throw Failure("unable to assume role with web identity", role, endpoint, e);
        }
    }

    private static AmazonSecurityTokenServiceConfig Config(string region, Uri endpoint) => new()
    {
        ServiceURL = endpoint.ToString(),
        AuthenticationRegion = region,
        MaxErrorRetry = 2,
        // A redirect would re-send the signed request (and its session token) to another host: a 3xx is a failure.
        AllowAutoRedirect = false,
        HttpClientFactory = RedirectRefusingClients.Instance,
        Timeout = CallTimeout,
    };

    private TemporaryCredentials Convert(Amazon.SecurityToken.Model.Credentials? credentials, string prefix)
    {
        if (credentials is not { AccessKeyId.Length: > 0, SecretAccessKey.Length: > 0 })
        {
            throw new SolverException($"{prefix}: STS returned no credentials");
        }

        var expiration = credentials.Expiration is { } at
            ? new DateTimeOffset(DateTime.SpecifyKind(at.ToUniversalTime(), DateTimeKind.Utc))
            : time.GetUtcNow() + DefaultLifetime;
        // STS's answer is an outside value like any other: it becomes signed headers of every Route53 call.
        return new TemporaryCredentials(
            AwsFormats.Checked(new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken), "STS"),
            expiration);
    }

    /// <summary>STS's code and message (they name the role and the missing permission, never a key or token); no request id.</summary>
    private static SolverException Failure(string prefix, string role, Uri endpoint, Exception e) => e switch
    {
        _ when Redirect(e) is { } status => new SolverException(
            $"{prefix}: STS at {endpoint.GetLeftPart(UriPartial.Authority)} answered with a redirect (HTTP {status}), which is never followed " +
            "for signed requests; check the region and AWS_ENDPOINT_URL_STS", e),
        AmazonServiceException { ErrorCode.Length: > 0 } service => new SolverException(
            $"{prefix}: {service.ErrorCode}: {service.Message} (role {role}, STS endpoint {endpoint.GetLeftPart(UriPartial.Authority)})", e),
        _ when Unreachable(e) is { } reason => new SolverException(
            $"{prefix}: cannot reach STS at {endpoint.GetLeftPart(UriPartial.Authority)}: {reason}; check the region and the pod's network access to STS", e),
        _ => new SolverException($"{prefix}: {e.Message} (role {role})", e),
    };

    private static int? Redirect(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is RedirectRefusedException refused)
            {
                return refused.Status;
            }
        }

        return null;
    }

    /// <summary>A 3xx from STS: the SDK would otherwise try to read the redirect's empty body as an answer.</summary>
    private sealed class RedirectRefusedException(int status) : HttpRequestException($"STS answered with a redirect (HTTP {status})")
    {
        public int Status { get; } = status;
    }

    /// <summary>
    /// The STS clients' HTTP, one pooled client for every call (the service clients are made per call): no redirect is
    /// followed, and one that arrives ends the call.
    /// </summary>
    private sealed class RedirectRefusingClients : HttpClientFactory
    {
        public static readonly RedirectRefusingClients Instance = new();

        private static readonly HttpClient Shared = new(new RedirectRefusal(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        }))
        {
            Timeout = CallTimeout,
        };

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => Shared;

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }

    private sealed class RedirectRefusal(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                var status = (int)response.StatusCode;
                response.Dispose();
                throw new RedirectRefusedException(status);
            }

            return response;
        }
    }

    private static string? Unreachable(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case SocketException socket:
                    return socket.Message;
                case HttpRequestException http when http.InnerException is null:
                    return http.Message;
                case TimeoutException or TaskCanceledException:
                    return "the request timed out";
            }
        }

        return null;
    }
}
