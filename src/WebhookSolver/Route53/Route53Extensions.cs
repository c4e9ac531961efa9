using Microsoft.Extensions.DependencyInjection.Extensions;
using WebhookSolver.Challenges;

namespace WebhookSolver.Route53;

public static class Route53Extensions
{
    public static IServiceCollection AddRoute53Solver(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton<ISolver, Route53Solver>();
        return services;
    }
}

/// <summary>Placeholder until the Route53 record writer lands.</summary>
internal sealed class Route53Solver : ISolver
{
    public Task PresentAsync(ChallengeRequest request, CancellationToken cancellationToken) =>
        throw new SolverException("the Route53 solver is not implemented yet");

    public Task CleanUpAsync(ChallengeRequest request, CancellationToken cancellationToken) =>
        throw new SolverException("the Route53 solver is not implemented yet");
}
