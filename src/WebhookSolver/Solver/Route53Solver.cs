using System.Globalization;
using Microsoft.Extensions.Options;
using WebhookSolver.Challenges;
using WebhookSolver.Credentials;
using WebhookSolver.Route53;

namespace WebhookSolver.Solver;

/// <summary>
/// cert-manager's Solver for Route53: config → credentials → hosted zone → TXT record, all within
/// <see cref="Route53Options.Deadline"/> (docs/design/route53-write-path.md).
/// </summary>
internal sealed partial class Route53Solver(
    ICredentialSource credentials,
    HostedZoneFinder zones,
    Route53RecordWriter records,
    IOptions<Route53Options> options,
    TimeProvider time,
    ILogger<Route53Solver> logger) : ISolver
{
    public Task PresentAsync(ChallengeRequest request, CancellationToken cancellationToken) =>
        SolveAsync(request, ChallengeAction.Present, cancellationToken);

    public Task CleanUpAsync(ChallengeRequest request, CancellationToken cancellationToken) =>
        SolveAsync(request, ChallengeAction.CleanUp, cancellationToken);

    private async Task SolveAsync(ChallengeRequest request, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // The endpoint checks this too; the solver is a seam of its own and never queues a challenge outside the formats.
        if (ChallengeValidator.Problem(request) is { } problem)
        {
            throw new SolverException(problem);
        }

        var config = Route53ConfigDecoder.Decode(request.Config);
        var deadline = options.Value.Deadline;
        using var budget = new CancellationTokenSource(deadline, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            var identity = await credentials.GetAsync(new CredentialRequest(request.ResourceNamespace, request.AllowAmbientCredentials, config), linked.Token);
            var zone = await zones.FindAsync(identity, config.HostedZoneID, request.ResolvedFQDN, request.ResolvedZone, linked.Token);
            try
            {
                await WriteAsync(identity, zone, request, action, linked.Token);
            }
            catch (Route53Exception e) when (e.IsNoSuchZone && string.IsNullOrWhiteSpace(config.HostedZoneID))
            {
                // The zone was deleted, perhaps created again under a new id: the cached lookup is stale. Look once more.
                zones.Forget(identity, request.ResolvedZone);
                var found = await zones.FindAsync(identity, null, request.ResolvedFQDN, request.ResolvedZone, linked.Token);
                if (found.Id == zone.Id)
                {
                    throw;
                }

                LogZoneReplaced(logger, zone.Id, found.Id);
                await WriteAsync(identity, found, request, action, linked.Token);
            }
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SolverException(
                $"{action} did not finish within {deadline.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s: AWS answered too " +
                    "slowly; cert-manager will retry");
        }
    }

    private Task WriteAsync(AwsIdentity identity, HostedZone zone, ChallengeRequest request, string action, CancellationToken cancellationToken) =>
        action == ChallengeAction.Present
            ? records.PresentAsync(identity, zone, request.ResolvedFQDN, request.Key, cancellationToken)
            : records.CleanUpAsync(identity, zone, request.ResolvedFQDN, request.Key, cancellationToken);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Hosted zone {OldZoneId} no longer exists; the zone is now {NewZoneId}")]
    private static partial void LogZoneReplaced(ILogger logger, string oldZoneId, string newZoneId);
}
