using System.Text;

namespace WebhookSolver.Route53;

/// <summary>
/// TXT values in Route53's notation: one or more quoted character-strings of at most 255 characters, with
/// <c>"</c> and <c>\</c> escaped by <c>\</c>, and <c>\ddd</c> octal escapes for other characters in what Route53 returns.
/// </summary>
internal static class TxtValue
{
    private const int MaxStringLength = 255;

    /// <summary>The Route53 value that publishes <paramref name="text"/>.</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = new StringBuilder(text.Length + 4);
        var offset = 0;
        do
        {
            var chunk = text.Substring(offset, Math.Min(MaxStringLength, text.Length - offset));
            if (value.Length > 0)
            {
                value.Append(' ');
            }

            value.Append('"');
            foreach (var c in chunk)
            {
                if (c is '"' or '\\')
                {
                    value.Append('\\');
                }

                value.Append(c);
            }

            value.Append('"');
            offset += chunk.Length;
        }
        while (offset < text.Length);

        return value.ToString();
    }

    /// <summary>The text a Route53 value publishes: strings unquoted, unescaped and joined (how resolvers see it).</summary>
    public static string Unquote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            if (char.IsWhiteSpace(value[i]))
            {
                i++;
                continue;
            }

            var quoted = value[i] == '"';
            if (quoted)
            {
                i++;
            }

            while (i < value.Length)
            {
                var c = value[i];
                if (quoted ? c == '"' : char.IsWhiteSpace(c))
                {
                    i++;
                    break;
                }

                if (c == '\\' && i + 1 < value.Length)
                {
                    if (i + 3 < value.Length && IsOctal(value[i + 1]) && IsOctal(value[i + 2]) && IsOctal(value[i + 3]))
                    {
                        text.Append((char)Convert.ToInt32(value.Substring(i + 1, 3), 8));
                        i += 4;
                        continue;
                    }

                    text.Append(value[i + 1]);
                    i += 2;
                    continue;
                }

                text.Append(c);
                i++;
            }
        }

        return text.ToString();
    }

    /// <summary>True when the Route53 value <paramref name="value"/> publishes <paramref name="text"/>.</summary>
    public static bool Publishes(string value, string text) => string.Equals(Unquote(value), text, StringComparison.Ordinal);

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
