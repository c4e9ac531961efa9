using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace WebhookSolver.Testing;

/// <summary>Reading a <see cref="FakeLogCollector"/> the way the tests ask about logs.</summary>
internal static class FakeLogs
{
    /// <summary>A logger factory writing to <paramref name="logs"/> at every level, for code built outside a host.</summary>
    public static ILoggerFactory CreateFactory(this FakeLogCollector logs) =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));

    /// <summary>
    /// Each record as one line: level, category, event id, message, exception and every scope — everything a log
    /// sink could print for it.
    /// </summary>
    public static IReadOnlyList<string> Lines(this FakeLogCollector logs) =>
        [.. logs.GetSnapshot().Select(record =>
            $"{record.Level} {record.Category}[{record.Id.Id}] {record.Message} {record.Exception} {string.Join(" ", record.Scopes.Select(Scope))}")];

    /// <summary>The key-value pairs of every scope the record was written in, outermost first.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> ScopePairs(this FakeLogRecord record) =>
        [.. record.Scopes.OfType<IEnumerable<KeyValuePair<string, object?>>>().SelectMany(pairs => pairs)];

    private static string? Scope(object? scope) => scope is IEnumerable<KeyValuePair<string, object?>> pairs
        ? string.Join(" ", pairs.Select(pair => $"{pair.Key}={pair.Value}"))
        : scope?.ToString();
}
