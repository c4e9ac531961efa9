using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WebhookSolver.Challenges;
using WebhookSolver.Hosting;

namespace WebhookSolver.Route53;

public static class Route53Extensions
{
    /// <summary>The Route53 solver: options (section <c>Route53</c>), the REST-XML client, zone lookup and record writer.</summary>
    public static IServiceCollection AddRoute53Solver(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<Route53Options>()
            .Bind(configuration.GetSection(Route53Options.Section))
            // The AWS SDKs' endpoint overrides, service-specific first; configuration includes the environment.
            .PostConfigure(options => options.Endpoint = FirstSet(
                options.Endpoint, configuration["AWS_ENDPOINT_URL_ROUTE53"], configuration["AWS_ENDPOINT_URL"]))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Route53Options>, Route53OptionsValidator>());

        services.AddMetrics();
        services.TryAddSingleton<WebhookMetrics>();
        services.AddHttpClient(Route53Client.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddSingleton<Route53Budget>();
        services.TryAddSingleton<Route53RateLimiter>();
        services.TryAddSingleton<Route53Client>();
        services.TryAddSingleton<HostedZoneFinder>();
        services.TryAddSingleton<TxtSetReader>();
        services.TryAddSingleton<ChangeBatcher>();
        services.TryAddSingleton<ChangeWatcher>();
        services.TryAddSingleton<Route53RecordWriter>();
        services.TryAddSingleton<ISolver, Route53Solver>();
        return services;
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));
}
