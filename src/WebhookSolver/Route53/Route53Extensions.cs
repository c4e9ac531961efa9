using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace WebhookSolver.Route53;

internal static class Route53Extensions
{
    /// <summary>Route53 access: options (section <c>Route53</c>), the REST-XML client, zone lookup and record writer.</summary>
    public static IServiceCollection AddRoute53(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddDefaultAWSOptions(_ => configuration.GetAWSOptions(), ServiceLifetime.Singleton);
        services.AddOptions<Route53Options>()
            .BindWithDurations(configuration.GetSection(Route53Options.Section), static (section, options) => section.Bind(options))
            // The AWS SDKs' endpoint overrides, service-specific first, with the AWS section's ServiceURL (AWSOptions,
            // one URL for every AWS service) before the SDKs' global variable; configuration includes the environment.
            .PostConfigure<AWSOptions>((options, aws) => options.Endpoint = FirstSet(
                options.Endpoint, configuration["AWS_ENDPOINT_URL_ROUTE53"], aws.DefaultClientConfig.ServiceURL, configuration["AWS_ENDPOINT_URL"]))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Route53Options>, Route53OptionsValidator>());

        services.AddMetrics();
        services.TryAddSingleton<Route53Metrics>();
        services.AddHttpClient(Route53Client.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            // A redirect would re-send the signed request, its body and session token to another host: a 3xx is a failure.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.TryAddSingleton<Route53Budget>();
        services.AddHostedService(provider => provider.GetRequiredService<Route53Budget>());
        services.TryAddSingleton<Route53RateLimiter>();
        services.TryAddSingleton(_ => new JitterSource(new Random()));
        services.TryAddSingleton<Route53Client>();
        services.TryAddSingleton<HostedZoneFinder>();
        services.TryAddSingleton<TxtSetReader>();
        services.TryAddSingleton<ChangeBatcher>();
        services.TryAddSingleton<ChangeWatcher>();
        services.TryAddSingleton<Route53RecordWriter>();
        return services;
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));
}
