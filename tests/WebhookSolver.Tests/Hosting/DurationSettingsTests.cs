using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebhookSolver.Hosting;
using WebhookSolver.Security;
using WebhookSolver.Solver;
using WebhookSolver.Route53;
using WebhookSolver.Testing;
using WebhookSolver.Tests.Credentials;

namespace WebhookSolver.Tests.Hosting;

/// <summary>Durations in configuration take the flags' syntax, wherever the configuration comes from.</summary>
public class DurationSettingsTests
{
    internal sealed record Bound(int ExitCode, string Errors, WebhookOptions? Webhook, Route53Options? Route53, WebhookSecurityOptions? Security);

    /// <summary>Starts the host with the real option registrations, reads the bound options once it listens, and stops it.</summary>
    internal static async Task<Bound> StartAsync(params string[] args)
    {
        using var errors = new StringWriter();
        WebhookOptions? webhook = null;
        Route53Options? route53 = null;
        WebhookSecurityOptions? security = null;
        var exitCode = await WebhookHost.RunAsync(
            ["--local", "--secure-port=0", "--metrics-port=0", .. args],
            builder =>
            {
                builder.AddWebhookHosting();
                builder.Services.AddWebhookSecurity();
                builder.Services.AddRoute53Solver(builder.Configuration);
            },
            app =>
            {
                webhook = app.Services.GetRequiredService<IOptions<WebhookOptions>>().Value;
                route53 = app.Services.GetRequiredService<IOptions<Route53Options>>().Value;
                security = app.Services.GetRequiredService<IOptions<WebhookSecurityOptions>>().Value;
                app.Lifetime.ApplicationStarted.Register(app.Lifetime.StopApplication);
            },
            errors);
        return new Bound(exitCode, errors.ToString(), webhook, route53, security);
    }

    [Fact]
    public async Task ConfigurationKeysOnTheCommandLineTakeTheFlagsSyntax()
    {
        var bound = await StartAsync("--Webhook:ChallengeTimeout=30s", "--Route53:ZoneCacheDuration=5m", "--Authentication:TrustReloadInterval=1m30s");

        bound.ExitCode.Should().Be(0, bound.Errors);
        bound.Webhook!.ChallengeTimeout.Should().Be(TimeSpan.FromSeconds(30));
        bound.Route53!.ZoneCacheDuration.Should().Be(TimeSpan.FromMinutes(5));
        bound.Security!.TrustReloadInterval.Should().Be(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task AppsettingsJsonTakesTheFlagsSyntaxAndTheDotNetOne()
    {
        var directory = Directory.CreateTempSubdirectory("appsettings-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "appsettings.json"), """
                {
                  "Webhook": { "ChallengeTimeout": "45s500ms", "CertificateReloadInterval": "00:00:07" },
                  "Route53": { "BatchWindow": "250ms", "WaitForInsync": "10s" }
                }
                """);

            var bound = await StartAsync($"--contentRoot={directory.FullName}");

            bound.ExitCode.Should().Be(0, bound.Errors);
            bound.Webhook!.ChallengeTimeout.Should().Be(TimeSpan.FromMilliseconds(45_500));
            bound.Webhook.CertificateReloadInterval.Should().Be(TimeSpan.FromSeconds(7));
            bound.Route53!.BatchWindow.Should().Be(TimeSpan.FromMilliseconds(250));
            bound.Route53.WaitForInsync.Should().Be(TimeSpan.FromSeconds(10));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AnUnreadableDurationIsNamedWithTheSyntaxesAndReportedWithTheOtherBadSettings()
    {
        var bound = await StartAsync("--Route53:ZoneCacheDuration=5 minutes", "--log-format=xml");

        bound.ExitCode.Should().Be(WebhookHost.BadUsage);
        bound.Errors.Should().Contain("error: Route53:ZoneCacheDuration must be a duration such as 500ms, 10s, 1m30s or 00:01:30, got '5 minutes'")
            .And.Contain("--log-format");
        bound.Errors.Should().NotContain("   at ", "a bad setting is reported without a stack trace");
    }

    [Fact]
    public void EveryDurationSettingOfTheServerTakesTheFlagsSyntax()
    {
        // Every TimeSpan of every options class, set to its default plus a millisecond in Go's compound syntax: the
        // server only starts if each is read, and each must come back as that value.
        var settings = OptionsTypes()
            .SelectMany(type => DurationProperties(type).Select(property => (type, property, value: Default(type, property) + TimeSpan.FromMilliseconds(1))))
            .ToList();
        settings.Select(s => s.type).Distinct().Should().Contain([typeof(WebhookOptions), typeof(Route53Options), typeof(WebhookSecurityOptions)]);
        using var factory = new WebhookFactory();
        foreach (var (type, property, value) in settings)
        {
            factory.Settings[$"{Section(type)}:{property.Name}"] = GoSyntax(value);
        }

        using var client = factory.CreateClient();

        foreach (var (type, property, value) in settings)
        {
            var options = factory.Services.GetRequiredService(typeof(IOptions<>).MakeGenericType(type));
            var bound = options.GetType().GetProperty(nameof(IOptions<object>.Value))!.GetValue(options)!;
            property.GetValue(bound).Should().Be(value, $"{Section(type)}:{property.Name} was set to {GoSyntax(value)}");
        }
    }

    private static IEnumerable<Type> OptionsTypes() => typeof(WebhookOptions).Assembly.GetTypes()
        .Where(type => type is { IsClass: true, IsAbstract: false }
            && type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true }
                       && type.GetConstructor(Type.EmptyTypes) is not null && DurationProperties(type).Any());

    private static IEnumerable<PropertyInfo> DurationProperties(Type type) =>
        type.GetProperties().Where(property => property.PropertyType == typeof(TimeSpan) && property.CanWrite);

    private static string Section(Type type) => (string)type.GetField("Section")!.GetRawConstantValue()!;

    private static TimeSpan Default(Type type, PropertyInfo property) => (TimeSpan)property.GetValue(Activator.CreateInstance(type))!;

    /// <summary><c>25s1ms</c>, <c>0s201ms</c>: seconds and milliseconds, the compound form.</summary>
    private static string GoSyntax(TimeSpan value) =>
        string.Create(CultureInfo.InvariantCulture, $"{(long)value.TotalSeconds}s{value.Milliseconds}ms");
}

/// <summary>The same, from environment variables: alone, because the environment is the process's.</summary>
[Collection(ProcessEnvironmentTests.Name)]
public class DurationEnvironmentTests
{
    [Fact]
    public async Task EnvironmentVariablesTakeTheFlagsSyntax()
    {
        string[] names = ["Webhook__ChallengeTimeout", "Route53__ZoneCacheDuration", "Authentication__AuthorizationCacheTtl"];
        var saved = names.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("Webhook__ChallengeTimeout", "30s");
            Environment.SetEnvironmentVariable("Route53__ZoneCacheDuration", "5m");
            Environment.SetEnvironmentVariable("Authentication__AuthorizationCacheTtl", "1500ms");

            var bound = await DurationSettingsTests.StartAsync();

            bound.ExitCode.Should().Be(0, bound.Errors);
            bound.Webhook!.ChallengeTimeout.Should().Be(TimeSpan.FromSeconds(30));
            bound.Route53!.ZoneCacheDuration.Should().Be(TimeSpan.FromMinutes(5));
            bound.Security!.AuthorizationCacheTtl.Should().Be(TimeSpan.FromMilliseconds(1500));
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
