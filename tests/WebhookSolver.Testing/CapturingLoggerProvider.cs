using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace WebhookSolver.Testing;

/// <summary>A log line as written, with the scopes it was written in.</summary>
internal sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception, IReadOnlyList<KeyValuePair<string, object?>> Scope)
{
    /// <summary>Everything a log sink could print for this entry.</summary>
    public string Text => $"{Message} {Exception} {string.Join(" ", Scope.Select(pair => $"{pair.Key}={pair.Value}"))}";
}

/// <summary>Keeps every log entry of the application under test, scopes included.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    /// <summary>Each entry as one line: level, category, event id, message, exception and scope.</summary>
    public IReadOnlyList<string> Lines => [.. Entries.Select(entry => $"{entry.Level} {entry.Category}[{entry.EventId.Id}] {entry.Text}")];

    /// <summary>A logger factory writing here at every level, for code built outside a host.</summary>
    public ILoggerFactory Factory() => LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new List<KeyValuePair<string, object?>>();
            owner._scopes.ForEachScope((value, list) =>
            {
                if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    list.AddRange(pairs);
                }
                else
                {
                    list.Add(new("scope", value?.ToString()));
                }
            }, scope);
            owner.Entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), exception, scope));
        }
    }
}
