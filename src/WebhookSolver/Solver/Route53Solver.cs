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
internal sealed class Route53Solver(
    ICredentialSource credentials,
    HostedZoneFinder zones,
    Route53RecordWriter records,
    IOptions<Route53Options> options,
    TimeProvider time) : ISolver
{
    public Task PresentAsync(ChallengeRequest request, CancellationToken cancellationToken) =>
        SolveAsync(request, ChallengeAction.Present, cancellationToken);

    public Task CleanUpAsync(ChallengeRequest request, CancellationToken cancellationToken) =>
        SolveAsync(request, ChallengeAction.CleanUp, cancellationToken);

    private async Task SolveAsync(ChallengeRequest request, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.ResolvedFQDN) || string.IsNullOrEmpty(request.Key))
        {
            throw new SolverException("the challenge has no resolvedFQDN or no key; cert-manager always sends both, so the caller is not cert-manager");
        }

        var config = Route53ConfigDecoder.Decode(request.Config);
        var deadline = options.Value.Deadline;
        using var budget = new CancellationTokenSource(deadline, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            var identity = await credentials.GetAsync(new CredentialRequest(request.ResourceNamespace, request.AllowAmbientCredentials, config), linked.Token);
            var zone = await zones.FindAsync(identity, config.HostedZoneID, request.ResolvedFQDN, request.ResolvedZone, linked.Token);
            if (action == ChallengeAction.Present)
            {
                await records.PresentAsync(identity, zone, request.ResolvedFQDN, request.Key, linked.Token);
            }
            else
            {
                await records.CleanUpAsync(identity, zone, request.ResolvedFQDN, request.Key, linked.Token);
            }
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SolverException(
                $"{action} did not finish within {deadline.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s: AWS answered too slowly; cert-manager will retry");
        }
    }
}
