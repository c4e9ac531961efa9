using WebhookSolver.Challenges;
using WebhookSolver.Credentials;
using WebhookSolver.Hosting;
using WebhookSolver.Kubernetes;
using WebhookSolver.Security;
using WebhookSolver.Solver;

return await WebhookHost.RunAsync(args,
    addServices: builder =>
    {
        builder.AddWebhookHosting();
        builder.Services.AddChallenges();
        builder.Services.AddChallengeOpenApi();
        builder.Services.AddKubernetesClient();
        builder.Services.AddReplicaLeases();
        builder.Services.AddWebhookSecurity();
        builder.Services.AddAwsCredentials();
        builder.Services.AddRoute53Solver(builder.Configuration);
    },
    mapEndpoints: app =>
    {
        app.UseMetricsPort();
        app.UseWebhookSecurity();
        app.MapHealth();
        app.MapMetrics();
        app.MapOpenApi();
        app.MapDiscovery();
        app.MapChallenges();
    });

/// <summary>The entry point's type, for <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
