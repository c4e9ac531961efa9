using System.Globalization;

namespace WebhookSolver;

/// <summary>
/// The one duration syntax of flags and configuration: Go's (<c>500ms</c>, <c>10s</c>, <c>1m30s</c>, <c>2h</c>, as the
/// Go webhook servers and their charts write them) or .NET's <c>[d.]hh:mm:ss[.fffffff]</c>.
/// </summary>
internal static class Duration
{
    /// <summary>What an error message offers as valid spellings.</summary>
    public const string Examples = "500ms, 10s, 1m30s or 00:01:30";

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var value = text.Trim();
        if (value.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out duration);
        }

        return TryParseGo(value, out duration);
    }

    /// <summary>The .NET spelling (<c>00:01:30</c>) that every configuration binder converts.</summary>
    public static string Format(TimeSpan duration) => duration.ToString("c", CultureInfo.InvariantCulture);

    /// <summary>
    /// A sign, then one or more <c>number unit</c> pairs (<c>1h2m3.5s</c>); a lone <c>0</c> is zero, as in Go's
    /// <c>time.ParseDuration</c>.
    /// </summary>
    private static bool TryParseGo(string text, out TimeSpan duration)
    {
        duration = default;
        var span = text.AsSpan();
        var negative = span[0] == '-';
        if (span[0] is '-' or '+')
        {
            span = span[1..];
        }

        if (span.IsEmpty)
        {
            return false;
        }

        if (span is "0")
        {
            return true;
        }

        decimal ticks = 0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !decimal.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            span = span[digits..];
            var letters = 0;
            while (letters < span.Length && char.IsAsciiLetter(span[letters]))
            {
                letters++;
            }

            long? unit = span[..letters] switch
            {
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => null,
            };
            if (unit is null || amount > TimeSpan.MaxValue.Ticks / unit.Value)
            {
                return false;
            }

            ticks += amount * unit.Value;
            span = span[letters..];
            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }
        }

        duration = TimeSpan.FromTicks((long)decimal.Round(negative ? -ticks : ticks));
        return true;
    }
}
