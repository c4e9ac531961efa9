using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace WebhookSolver.Hosting;

/// <summary>
/// Runs the server: parses the flags, builds the application from the caller's table of contents, and turns
/// a bad setting into a message on stderr and exit code 2 instead of a stack trace.
/// </summary>
internal static partial class WebhookHost
{
    public const int BadUsage = 2;

    /// <summary>A start-up check failed (e.g. no front-proxy trust): the server never listened.</summary>
    public const int StartupFailed = 3;

    /// <param name="errors">where start-up errors go; standard error unless a test says otherwise</param>
    public static async Task<int> RunAsync(
        string[] args, Action<WebApplicationBuilder> addServices, Action<WebApplication> mapEndpoints, TextWriter? errors = null)
    {
        errors ??= Console.Error;
        if (args is [FlagReference.Switch])
        {
            await Console.Out.WriteAsync(FlagReference.Markdown()).ConfigureAwait(false);
            return 0;
        }

        var commandLine = CommandLine.Parse(args);
        if (commandLine.HelpRequested)
        {
            await Console.Out.WriteAsync(CommandLine.Usage()).ConfigureAwait(false);
            return 0;
        }

        if (commandLine.Error is { } error)
        {
            await errors.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            return BadUsage;
        }

        var metricsPort = -1;
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. commandLine.HostArguments] });
            builder.Configuration.AddInMemoryCollection(commandLine.Settings);
            if (KestrelEndpointsConfigured(builder.Configuration) is { } endpoints)
            {
                // Kestrel would add these beside the endpoints the server configures itself, on any interface, even in local mode.
                await errors.WriteLineAsync(
                    $"error: Kestrel endpoint configuration ({endpoints}) is not supported: the server listens only where " +
                    "--bind-address, --secure-port and --metrics-port say; remove the Kestrel:Endpoints settings").ConfigureAwait(false);
                return BadUsage;
            }

            addServices(builder);

            var app = builder.Build();
            // Every option at once, before anything reads one, so a start-up with several bad values lists them all.
            app.Services.GetService<IStartupValidator>()?.Validate();
            var options = app.Services.GetRequiredService<IOptions<WebhookOptions>>().Value;
            metricsPort = app.Services.GetService<IOptions<MetricsOptions>>()?.Value.Port ?? -1;
            mapEndpoints(app);

            await app.StartAsync().ConfigureAwait(false);
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebhookHost));
            var urls = string.Join(", ", app.Urls);
            LogStarted(logger, urls, options.EffectiveGroupName, options.SolverName);
            if (options.Local)
            {
                LogLocalMode(logger);
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (SettingFailures(e) is { Count: > 0 } failures)
        {
            foreach (var failure in failures)
            {
                await errors.WriteLineAsync($"error: {failure}").ConfigureAwait(false);
            }

            return BadUsage;
        }
        catch (Exception e) when (e is AddressInUseException || e.InnerException is AddressInUseException)
        {
            await errors.WriteLineAsync($"error: {PortInUse(e, metricsPort)}").ConfigureAwait(false);
            return StartupFailed;
        }
        catch (WebhookStartupException e)
        {
            await errors.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return StartupFailed;
        }
    }

    /// <summary>
    /// What was wrong with the settings: validation failures, and values the configuration binder could not convert
    /// (e.g. <c>Route53__RequestsPerSecond=fast</c> in the environment). Empty for any other exception.
    /// </summary>
    private static List<string> SettingFailures(Exception exception) => exception switch
    {
        OptionsValidationException invalid => [.. invalid.Failures],
        AggregateException many when many.InnerExceptions.All(inner => SettingFailures(inner).Count > 0) =>
            [.. many.InnerExceptions.SelectMany(SettingFailures)],
        // The binder (reflection or source-generated) wraps the converter's failure in an InvalidOperationException.
        InvalidOperationException { InnerException: FormatException or OverflowException or ArgumentException } unconvertible =>
            [unconvertible.Message],
        _ => [],
    };

    /// <summary>The configuration keys of Kestrel endpoints (from flags, environment or appsettings), or null when there are none.</summary>
    private static string? KestrelEndpointsConfigured(ConfigurationManager configuration)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(endpoint => endpoint.Path).ToList();
        return endpoints.Count == 0 ? null : string.Join(", ", endpoints);
    }

    /// <summary>Which port was taken, and the flag that moves it; the port is read from the URL in Kestrel's exception.</summary>
    private static string PortInUse(Exception e, int metricsPort)
    {
        var match = PortOfUrl().Match(e.Message);
        var port = match.Success ? match.Groups[1].Value : "(unknown)";
        var flag = port == metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture) ? "--metrics-port" : "--secure-port";
        return $"port {port} is already in use: stop the other process or choose another port with {flag}";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"://[^\s/]*:(\d+)")]
    private static partial System.Text.RegularExpressions.Regex PortOfUrl();

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Serving {Urls} for /apis/{GroupName}/v1alpha1/{SolverName}")]
    private static partial void LogStarted(ILogger logger, string urls, string groupName, string solverName);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning,
        Message = "LOCAL MODE: requests are NOT authenticated or authorized. Listening on loopback only; never use this mode in a cluster")]
    private static partial void LogLocalMode(ILogger logger);
}
