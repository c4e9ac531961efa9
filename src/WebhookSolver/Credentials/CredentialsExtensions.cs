using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Credentials;

internal static class CredentialsExtensions
{
    /// <summary>
    /// The credential chain behind <see cref="ICredentialSource"/>, with the Kubernetes access it reads Secrets and
    /// ServiceAccount tokens through. The pod's AWS settings — the <c>AWS</c> configuration section read into
    /// <see cref="AWSOptions"/> by AWSSDK.Extensions.NETCore.Setup, over the SDK's variables — are read once, at first use.
    /// </summary>
    public static IServiceCollection AddAwsCredentials(this IServiceCollection services)
    {
        services.AddKubernetesClient();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddDefaultAWSOptions(
            provider => provider.GetService<IConfiguration>()?.GetAWSOptions() ?? new AWSOptions(), ServiceLifetime.Singleton);
        services.TryAddSingleton(provider => AwsEnvironment.FromProcess(provider.GetRequiredService<AWSOptions>()));
        services.TryAddSingleton<SecurityTokenService>();
        services.TryAddSingleton<AmbientCredentials>();
        services.AddMetrics();
        services.TryAddSingleton<CredentialMetrics>();
        services.TryAddSingleton<StsCredentialCache>();
        services.TryAddSingleton<ICredentialSource, AwsCredentialChain>();
        return services;
    }
}
