using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using WebhookSolver.Challenges;
using WebhookSolver.Kubernetes;
using WebhookSolver.Security;

namespace WebhookSolver.Hosting;

internal static class HostingExtensions
{
    /// <summary>Beyond this, Kestrel drops the connection without reading further.</summary>
    public const int MaxTransportBodyBytes = 1024 * 1024;

    /// <summary>Options, logging, the serving certificate and an HTTPS-only Kestrel.</summary>
    public static WebApplicationBuilder AddWebhookHosting(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<WebhookOptions>()
            .BindWithDurations(builder.Configuration.GetSection(WebhookOptions.Section), static (section, options) => section.Bind(options))
            .Configure<IConfiguration>((options, configuration) => options.GroupName ??= configuration["GROUP_NAME"])
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<WebhookOptions>, DeadlineValidator>();
        // Each feature sees only the settings it needs, filled from the server's options.
        builder.Services.AddOptions<ChallengeOptions>().Configure<IOptions<WebhookOptions>>((challenges, webhook) =>
        {
            challenges.GroupName = webhook.Value.EffectiveGroupName;
            challenges.SolverName = webhook.Value.SolverName;
            challenges.ChallengeTimeout = webhook.Value.ChallengeTimeout;
            challenges.ServeOpenApi = webhook.Value.Local;
        });
        builder.Services.AddOptions<SecurityModeOptions>()
            .Configure<IOptions<WebhookOptions>>((security, webhook) => security.Local = webhook.Value.Local);
        builder.Services.AddOptions<KubernetesClientOptions>()
            .Configure<IOptions<WebhookOptions>>((kubernetes, webhook) => kubernetes.Kubeconfig = webhook.Value.Kubeconfig);
        builder.Services.AddOptions<ReplicaDeploymentOptions>().Configure<IOptions<WebhookOptions>>((leases, webhook) =>
        {
            leases.Local = webhook.Value.Local;
            leases.GroupName = webhook.Value.EffectiveGroupName;
            leases.SolverName = webhook.Value.SolverName;
        });

        builder.Logging.ClearProviders();
        // Defaults in code, not appsettings.json: the process may start from any working directory (the image's
        // entrypoint does). Configuration (Logging__LogLevel__...) still overrides them.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        // A service that cannot start is reported by WebhookHost in one line; the host's own Error entry would print the
        // stack trace before it. A background service that stops the host later is still logged (Critical).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        // Only the challenge's own scope on each line: no trace ids (nothing here exports traces) and no request
        // scope (RequestPath, RequestId), which the request logger opens only while it is enabled.
        builder.Logging.Configure(factory => factory.ActivityTrackingOptions = ActivityTrackingOptions.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        if (builder.Configuration[$"{WebhookOptions.Section}:LogFormat"] == "json")
        {
            // Registered directly rather than with AddConsoleFormatter, which would also bind formatter options from
            // configuration by reflection: this formatter has no options.
            builder.Logging.AddConsole(console => console.FormatterName = JsonLogFormatter.FormatterName);
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, JsonLogFormatter>());
        }
        else
        {
            // JSON escapes control characters itself; the text format escapes them in EscapingConsoleFormatter.
            // Registered directly, as the JSON formatter is: its options are set here, not bound from configuration.
            builder.Logging.AddConsole(console => console.FormatterName = EscapingConsoleFormatter.FormatterName);
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, EscapingConsoleFormatter>());
            builder.Services.Configure<SimpleConsoleFormatterOptions>(console =>
            {
                console.IncludeScopes = true;
                console.SingleLine = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                console.UseUtcTimestamp = true;
            });
        }

        builder.Services.AddSingleton<ServingCertificate>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ServingCertificate>());

        builder.Services.AddWebhookMetrics(builder.Configuration);
        builder.WebHost.ConfigureKestrel(ConfigureKestrel);
        return builder;
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel)
    {
        // Kestrel is configured while the application is built, before the host validates options on start:
        // validate them all here, so a start-up with several bad values reports every one of them.
        kestrel.ApplicationServices.GetService<IStartupValidator>()?.Validate();
        var options = kestrel.ApplicationServices.GetRequiredService<IOptions<WebhookOptions>>().Value;
        var certificate = kestrel.ApplicationServices.GetRequiredService<ServingCertificate>();
        var metrics = kestrel.ApplicationServices.GetRequiredService<IOptions<MetricsOptions>>().Value;

        if (metrics.Port > 0 && metrics.Port == options.SecurePort)
        {
            throw new WebhookStartupException(
                $"--secure-port and --metrics-port are both {options.SecurePort}: the plain metrics port must differ from the TLS port");
        }

        // Only the endpoints below: Kestrel:Endpoints from any configuration source are refused at start-up and never bound.
        kestrel.Configure(new ConfigurationBuilder().Build(), reloadOnChange: false);
        kestrel.AddServerHeader = false;
        // The protocol refuses bodies over ChallengeEndpoints.MaxRequestBodyBytes with a 413 Status; the transport limit sits above it
        // so Kestrel can drain a moderately oversized body and the client reads that answer instead of a reset.
        kestrel.Limits.MaxRequestBodySize = MaxTransportBodyBytes;
        kestrel.Limits.MaxRequestHeaderCount = 64;
        kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        kestrel.Limits.MaxRequestLineSize = 8 * 1024;
        kestrel.Listen(options.EffectiveBindAddress(), options.SecurePort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            // Runs before TLS: the handshake below (and its validation callback) happens within this connection's flow.
            listen.Use(next => connection =>
            {
                HandshakeConnection.Value = connection;
                return next(connection);
            });
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ServerCertificateSelector = (_, _) => certificate.Current,
                // The aggregator's front-proxy CA is private: ask for a client certificate, accept any at the
                // handshake, and verify it per request against the requestheader CA bundle only.
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = static (_, chain, _) => KeepPeerCertificates(chain),
                CheckCertificateRevocation = false,
            });
            // After the handshake: requests (and work they start) do not keep the connection alive through the flow.
            listen.Use(next => connection =>
            {
                HandshakeConnection.Value = null;
                return next(connection);
            });
        });

        if (metrics.Port > 0)
        {
            kestrel.Listen(options.EffectiveBindAddress(), metrics.Port, listen => listen.Protocols = HttpProtocols.Http1);
        }
    }

    /// <summary>The connection whose TLS handshake is running in this flow.</summary>
    private static readonly AsyncLocal<Microsoft.AspNetCore.Connections.ConnectionContext?> HandshakeConnection = new();

    /// <summary>
    /// Keeps the certificates the client sent beyond its leaf (SslStream hands them to the validation callback as the
    /// chain's extra store) on the connection, so the front-proxy check can build a path through them to the CA
    /// bundle. Accepts every certificate: verification happens per request, against the requestheader CA only.
    /// </summary>
    private static bool KeepPeerCertificates(X509Chain? chain)
    {
        if (chain is { ChainPolicy.ExtraStore.Count: > 0 } && HandshakeConnection.Value is { } connection)
        {
            connection.Features.Set(new Security.PeerCertificates([.. chain.ChainPolicy.ExtraStore]));
        }

        return true;
    }

    /// <summary>Kubelet probes: no client certificate, never dependent on AWS.</summary>
    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok")).ExcludeFromDescription();
        app.MapGet("/livez", () => TypedResults.Text("ok")).ExcludeFromDescription();
        app.MapGet("/readyz", (ServingCertificate certificate) => certificate.Current is null
                ? Results.Text("serving certificate not loaded yet", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text("ok"))
            .ExcludeFromDescription();
        return app;
    }
}
