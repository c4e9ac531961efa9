using System.Diagnostics.Metrics;

namespace WebhookSolver.Security;

/// <summary>
/// Denial counters on the process meter <c>WebhookSolver</c>, tagged with a stable <c>reason</c>; the metrics
/// exporter publishes them. Tags never carry a user name or anything else a caller controls.
/// </summary>
internal sealed class SecurityMetrics
{
    public const string MeterName = WebhookMeter.Name;
    public const string AuthenticationDenials = "webhook_authentication_denials_total";
    public const string AuthorizationDenials = "webhook_authorization_denials_total";

    private readonly Counter<long> _authentication;
    private readonly Counter<long> _authorization;

    public SecurityMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _authentication =
            meter.CreateCounter<long>(AuthenticationDenials, description: "Requests answered 401: no, untrusted or unusable front-proxy certificate");
        _authorization = meter.CreateCounter<long>(AuthorizationDenials,
            description: "Requests answered 403: denied by a SubjectAccessReview, or the review could not be made");
    }

    /// <param name="reason">no_certificate, untrusted_certificate, certificate_not_time_valid, certificate_not_for_client_auth, name_not_allowed,
    /// no_user</param>
    public void AuthenticationDenied(string reason) => _authentication.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <param name="reason">denied or review_failed</param>
    public void AuthorizationDenied(string reason) => _authorization.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
