using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using WebhookSolver.Challenges;
using WebhookSolver.Credentials;

namespace WebhookSolver.Route53;

/// <summary>
/// cert-manager's Solver for Route53: config → credentials → hosted zone → TXT record, all within
/// <see cref="Route53Options.Deadline"/>.
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

        var config = Route53SolverConfig.Decode(request.Config);
        var deadline = options.Value.Deadline;
        using var budget = new CancellationTokenSource(deadline, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            var identity = await credentials.GetAsync(request, config, linked.Token);
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

/// <summary>The one place the Issuer's <c>webhook.config</c> becomes a <see cref="Route53Config"/>.</summary>
internal static class Route53SolverConfig
{
    public static Route53Config Decode(JsonElement? config)
    {
        if (config is not { ValueKind: JsonValueKind.Object } element)
        {
            return config is null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }
                ? new Route53Config()
                : throw new SolverException("the solver config (webhook.config) must be an object with the fields of cert-manager's route53 block");
        }

        try
        {
            return element.Deserialize(Route53JsonContext.Default.Route53Config) ?? new Route53Config();
        }
        catch (JsonException e)
        {
            throw new SolverException($"the solver config (webhook.config) is not valid: wrong type at {e.Path ?? "$"}");
        }
    }
}

[JsonSerializable(typeof(Route53Config))]
internal sealed partial class Route53JsonContext : JsonSerializerContext;
