using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using WebhookSolver.Hosting;

namespace WebhookSolver.Tests.Hosting;

public class JsonLogFormatterTests
{
    private static readonly Func<ILogger, string, string, IDisposable?> ChallengeScope =
        LoggerMessage.DefineScope<string, string>("{Action} dnsName={DnsName}");

    private static readonly DateTimeOffset Now = new(2026, 12, 1, 21, 30, 15, 123, TimeSpan.Zero);

    /// <summary>Logs one entry through a logger whose scopes the formatter sees, and returns what it wrote.</summary>
    private static string Format(LogLevel level, string template, object?[] values, Exception? exception, params object[] scopes)
    {
        var scopeProvider = new LoggerExternalScopeProvider();
        var handles = scopes.Select(scopeProvider.Push).ToList();
        var state = new FormattedState(template, values);
        var entry = new LogEntry<FormattedState>(level, "WebhookSolver.Challenges.ChallengeEndpoints", new EventId(2002), state, exception,
            (s, _) => s.ToString());
        using var output = new StringWriter();

        new JsonLogFormatter(new FakeTimeProvider(Now)).Write(entry, scopeProvider, output);

        handles.ForEach(handle => handle.Dispose());
        return output.ToString();
    }

    [Fact]
    public void ALineIsOneFlatObjectWithATimestampAndTheScopeAsFields()
    {
        var scopeProvider = new LoggerExternalScopeProvider();
        var logger = new ScopedLogger(scopeProvider);
        using var scope = ChallengeScope(logger, "Present", "example.net");

        var line = Format(LogLevel.Warning, "{Action} failed: {Failure}", ["Present", "no credentials"], null,
            new Dictionary<string, object?> { ["ConnectionId"] = "0HN1" }, logger.Scopes.Single());

        line.Should().EndWith("\n").And.Subject.TrimEnd('\n').Should().NotContain("\n");
        var json = JsonNode.Parse(line)!.AsObject();
        json.Select(field => field.Key).Should().Equal("timestamp", "level", "category", "eventId", "message", "connectionId", "action", "dnsName");
        json["timestamp"]!.GetValue<string>().Should().Be("2026-12-01T21:30:15.123Z");
        json["level"]!.GetValue<string>().Should().Be("warning");
        json["eventId"]!.GetValue<int>().Should().Be(2002);
        json["message"]!.GetValue<string>().Should().Be("Present failed: no credentials");
        json["dnsName"]!.GetValue<string>().Should().Be("example.net");
    }

    [Fact]
    public void ScopeValuesKeepTheirJsonTypesAndAnExceptionIsItsOwnField()
    {
        var line = Format(LogLevel.Error, "{Count} calls failed", [3], new InvalidOperationException("boom"),
            new Dictionary<string, object?> { ["Attempts"] = 3, ["Ratio"] = 0.25, ["Cached"] = true, ["Zone"] = null });

        var json = JsonNode.Parse(line)!.AsObject();
        json["attempts"]!.GetValue<long>().Should().Be(3);
        json["ratio"]!.GetValue<double>().Should().Be(0.25);
        json["cached"]!.GetValue<bool>().Should().BeTrue();
        json.Should().ContainKey("zone").WhoseValue.Should().BeNull();
        json["exception"]!.GetValue<string>().Should().StartWith("System.InvalidOperationException: boom");
        json["level"]!.GetValue<string>().Should().Be("error");
        json.Should().NotContainKey("count", "the message's values are in the message already");
    }

    [Fact]
    public void ControlCharactersNeverBreakTheLine()
    {
        var line = Format(LogLevel.Information, "{Name} read", ["evil\nname\u001b[31m"], null,
            new Dictionary<string, object?> { ["DnsName"] = "a\r\nb" });

        line.TrimEnd('\n').Should().NotContain("\n").And.NotContain("\r").And.NotContain("\u001b");
        var json = JsonNode.Parse(line)!;
        json["message"]!.GetValue<string>().Should().Be("evil\nname\u001b[31m read");
        json["dnsName"]!.GetValue<string>().Should().Be("a\r\nb");
    }

    /// <summary>A message template with its values, as [LoggerMessage] produces it.</summary>
    private sealed class FormattedState(string template, object?[] values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly List<KeyValuePair<string,
            object?>> _pairs = [.. Names(template).Zip(values, (name, value) => new KeyValuePair<string, object?>(name, value)),
            new("{OriginalFormat}", template)];

        public int Count => _pairs.Count;

        public KeyValuePair<string, object?> this[int index] => _pairs[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _pairs.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString()
        {
            var text = template;
            foreach (var (name, value) in _pairs.Take(_pairs.Count - 1))
            {
                text = text.Replace("{" + name + "}", Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            }

            return text;
        }

        private static IEnumerable<string> Names(string template) =>
            template.Split('{').Skip(1).Select(part => part[..part.IndexOf('}', StringComparison.Ordinal)]);
    }

    /// <summary>Keeps the scope states it is asked to open, as a real logger hands them to its provider.</summary>
    private sealed class ScopedLogger(LoggerExternalScopeProvider provider) : ILogger
    {
        public List<object> Scopes { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            Scopes.Add(state);
            return provider.Push(state);
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
