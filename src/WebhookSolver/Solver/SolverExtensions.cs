using Microsoft.Extensions.DependencyInjection.Extensions;
using WebhookSolver.Challenges;
using WebhookSolver.Route53;

namespace WebhookSolver.Solver;

internal static class SolverExtensions
{
    /// <summary>The Route53 solver behind <see cref="ISolver"/>, with the Route53 access it writes through.</summary>
    public static IServiceCollection AddRoute53Solver(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoute53(configuration);
        services.TryAddSingleton<ISolver, Route53Solver>();
        services.AddSingleton(Route53ConfigSchema.Description);
        return services;
    }
}
