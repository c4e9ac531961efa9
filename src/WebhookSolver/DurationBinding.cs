using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace WebhookSolver;

/// <summary>
/// Binds a configuration section as <c>Bind</c> does, except that every <see cref="TimeSpan"/> setting also takes the
/// flags' syntax (<see cref="Duration"/>): <c>Webhook__ChallengeTimeout=30s</c>, <c>--Route53:ZoneCacheDuration=5m</c>
/// and <c>"BatchWindow": "200ms"</c> in appsettings.json mean what the same value means as a flag. The binder only
/// knows <c>hh:mm:ss</c>, so it binds a copy of the section with those values rewritten. The caller passes the binder
/// call (<c>(section, options) =&gt; section.Bind(options)</c>) so that it is made on the concrete options type, which
/// the configuration binding source generator needs (the AOT executable has no reflection-based binder).
/// </summary>
internal static class DurationBinding
{
    /// <summary>Binds <paramref name="section"/> to <typeparamref name="TOptions"/>.</summary>
    public static OptionsBuilder<TOptions> BindWithDurations<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(
        this OptionsBuilder<TOptions> builder, IConfigurationSection section, Action<IConfiguration, TOptions> bind)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(new ConfigurationChangeTokenSource<TOptions>(builder.Name, section));
        builder.Configure(options => Bind(builder.Name, section, options, bind));
        return builder;
    }

    /// <summary>Binds the section at <paramref name="path"/> of the application's configuration (as <c>BindConfiguration</c>).</summary>
    public static OptionsBuilder<TOptions> BindConfigurationWithDurations<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(
        this OptionsBuilder<TOptions> builder, string path, Action<IConfiguration, TOptions> bind)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(services =>
            new ConfigurationChangeTokenSource<TOptions>(builder.Name, services.GetRequiredService<IConfiguration>().GetSection(path)));
        builder.Configure<IConfiguration>((options, configuration) => Bind(builder.Name, configuration.GetSection(path), options, bind));
        return builder;
    }

    /// <exception cref="OptionsValidationException">a duration setting is in neither syntax; the start-up validator lists it with the others</exception>
    private static void Bind<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(
        string name, IConfigurationSection section, TOptions options, Action<IConfiguration, TOptions> bind)
        where TOptions : class
    {
        var durations = typeof(TOptions).GetProperties()
            .Where(property => property.PropertyType == typeof(TimeSpan) || property.PropertyType == typeof(TimeSpan?))
            .Select(property => property.Name)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        var failures = new List<string>();
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        // Full paths, so that what the binder reports about any other value still names it as configured.
        foreach (var (key, value) in section.AsEnumerable())
        {
            if (!durations.Contains(ConfigurationPath.GetSectionKey(key))
                || !string.Equals(ConfigurationPath.GetParentPath(key), section.Path, StringComparison.OrdinalIgnoreCase))
            {
                values[key] = value;
            }
            else if (string.IsNullOrWhiteSpace(value))
            {
                // Set but empty (Webhook__ChallengeTimeout= in a manifest): the default stays.
            }
            else if (Duration.TryParse(value, out var duration))
            {
                values[key] = Duration.Format(duration);
            }
            else
            {
                failures.Add($"{key} must be a duration such as {Duration.Examples}, got '{value}'");
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(TOptions), failures);
        }

        bind(new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(section.Path), options);
    }
}
