using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace WebhookSolver.Hosting;

/// <summary>
/// <c>--log-format=json</c>: one flat JSON object per line — <c>timestamp</c> (UTC), <c>level</c>, <c>category</c>,
/// <c>eventId</c>, <c>message</c>, <c>exception</c> when there is one — followed by the fields of every scope (the
/// challenge's <c>action</c>, <c>dnsName</c>, <c>resolvedFQDN</c>, …) as top-level camelCase fields, the way log
/// pipelines index them. The message's own values are already in <c>message</c> and are not repeated (a failure
/// text would otherwise appear twice on every failed challenge). The built-in formatter nests scopes in a
/// <c>Scopes</c> array instead.
/// </summary>
internal sealed class JsonLogFormatter(TimeProvider time) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "webhook-json";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Messages quote names ('Present', "route53"): keep them readable. Control characters are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly string[] Reserved = ["timestamp", "level", "category", "eventId", "message", "exception"];

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteString("level", Level(logEntry.LogLevel));
            json.WriteString("category", logEntry.Category);
            json.WriteNumber("eventId", logEntry.EventId.Id);
            json.WriteString("message", message ?? "");
            if (logEntry.Exception is { } exception)
            {
                json.WriteString("exception", exception.ToString());
            }

            var fields = new Fields(json, new HashSet<string>(Reserved, StringComparer.Ordinal));
            scopeProvider?.ForEachScope(static (scope, fields) => fields.Add(scope), fields);
            json.WriteEndObject();
        }

        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };

    /// <summary>Writes each scope's name/value pairs, from the outermost scope; a name already written is skipped.</summary>
    private sealed class Fields(Utf8JsonWriter json, HashSet<string> written)
    {
        public void Add(object? state)
        {
            if (state is not IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                return;
            }

            foreach (var (key, value) in pairs)
            {
                // {OriginalFormat} is the template, not a value.
                if (key.StartsWith('{'))
                {
                    continue;
                }

                var name = JsonNamingPolicy.CamelCase.ConvertName(key);
                if (!written.Add(name))
                {
                    continue;
                }

                json.WritePropertyName(name);
                WriteValue(value);
            }
        }

        private void WriteValue(object? value)
        {
            switch (value)
            {
                case null:
                    json.WriteNullValue();
                    break;
                case bool flag:
                    json.WriteBooleanValue(flag);
                    break;
                case ulong large:
                    json.WriteNumberValue(large);
                    break;
                case int or long or short or byte or uint or ushort or sbyte:
                    json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case decimal number:
                    json.WriteNumberValue(number);
                    break;
                case double or float when Convert.ToDouble(value, CultureInfo.InvariantCulture) is var number && double.IsFinite(number):
                    json.WriteNumberValue(number);
                    break;
                case IFormattable formattable:
                    json.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture));
                    break;
                default:
                    json.WriteStringValue(value.ToString());
                    break;
            }
        }
    }
}
