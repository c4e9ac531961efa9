using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace WebhookSolver.Hosting;

/// <summary>
/// The text console format: one line per event (<c>timestamp level: category[event id] => scopes message</c>) in
/// which every control character of any value — names from a challenge, Route53's messages, exception text — is
/// escaped (<c>\r</c>, <c>\n</c>, <c>\u001b</c>), so no value can start a forged line or reach the terminal as an
/// escape sequence. The one mechanism for all text logs: it sees the finished line, whatever wrote the value.
/// </summary>
internal sealed class EscapingConsoleFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatterName = "webhook-text";

    private readonly IDisposable? _reload;
    private readonly TimeProvider _time;
    private SimpleConsoleFormatterOptions _options;

    public EscapingConsoleFormatter(IOptionsMonitor<SimpleConsoleFormatterOptions> options, TimeProvider time)
        : base(FormatterName)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        // AddConsoleFormatter configures the unnamed options of the formatter's options type.
        _options = options.CurrentValue;
        _reload = options.OnChange((changed, name) =>
        {
            if (name == Options.DefaultName)
            {
                _options = changed;
            }
        });
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var options = _options;
        var line = new StringBuilder(256);
        if (options.TimestampFormat is { } format)
        {
            var now = options.UseUtcTimestamp ? _time.GetUtcNow() : _time.GetLocalNow();
            line.Append(now.ToString(format, CultureInfo.InvariantCulture));
        }

        line.Append(Level(logEntry.LogLevel)).Append(": ").Append(logEntry.Category)
            .Append('[').Append(logEntry.EventId.Id.ToString(CultureInfo.InvariantCulture)).Append(']');
        if (options.IncludeScopes && scopeProvider is not null)
        {
            scopeProvider.ForEachScope((scope, builder) => builder.Append(" => ").Append(scope), line);
        }

        if (!string.IsNullOrEmpty(message))
        {
            line.Append(' ').Append(message);
        }

        if (logEntry.Exception is { } exception)
        {
            line.Append(' ').Append(exception);
        }

        textWriter.Write(Escape(line.ToString()));
        textWriter.Write(Environment.NewLine);
    }

    /// <summary>
    /// Control characters (C0, DEL, C1), Unicode line and paragraph separators and bidirectional overrides become
    /// visible escapes; everything else is kept.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\r' => escaped.Append("\\r"),
                '\n' => escaped.Append("\\n"),
                '\t' => escaped.Append("\\t"),
                _ when NeedsEscape(c) => escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }

    private static bool NeedsEscape(char c) =>
        c < ' ' || c is >= '\u007f' and <= '\u009f' || c is '\u2028' or '\u2029' || c is >= '\u202a' and <= '\u202e' || c is >= '\u2066' and <= '\u2069';

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    public void Dispose() => _reload?.Dispose();
}
