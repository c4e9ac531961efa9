using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WebhookSolver.Tests.Charts;

/// <summary>
/// The subset of JSON Schema draft-07 that values.schema.json uses, so values are checked the way
/// <c>helm install</c> checks them even where no helm binary is installed.
/// </summary>
internal static class SchemaValidator
{
    public static IReadOnlyList<string> Validate(JsonElement root, object? value)
    {
        var errors = new List<string>();
        Validate(root, root, value, "", errors);
        return errors;
    }

    private static void Validate(JsonElement root, JsonElement schema, object? value, string path, List<string> errors)
    {
        schema = ChartFiles.Dereference(root, schema);
        var at = path.Length == 0 ? "(root)" : path;

        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            if (!anyOf.EnumerateArray().Any(option => Accepts(root, option, value, path)))
            {
                errors.Add($"{at}: matches none of the allowed forms");
            }

            return;
        }

        if (schema.TryGetProperty("type", out var type) && !HasType(value, type.GetString()!))
        {
            errors.Add($"{at}: expected {type.GetString()}, got {Describe(value)}");
            return;
        }

        if (schema.TryGetProperty("enum", out var allowed)
            && !allowed.EnumerateArray().Any(option => option.ValueKind == JsonValueKind.String && Equals(option.GetString(), value)))
        {
            errors.Add($"{at}: '{value}' is not one of {allowed}");
        }

        switch (value)
        {
            case string text:
                if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!))
                {
                    errors.Add($"{at}: '{text}' does not match {pattern.GetString()}");
                }

                if (schema.TryGetProperty("minLength", out var minLength) && text.Length < minLength.GetInt32())
                {
                    errors.Add($"{at}: shorter than {minLength.GetInt32()}");
                }

                if (schema.TryGetProperty("maxLength", out var maxLength) && text.Length > maxLength.GetInt32())
                {
                    errors.Add($"{at}: longer than {maxLength.GetInt32()}");
                }

                break;
            case long number:
                if (schema.TryGetProperty("minimum", out var minimum) && number < minimum.GetInt64())
                {
                    errors.Add($"{at}: {number} is below {minimum.GetInt64()}");
                }

                if (schema.TryGetProperty("maximum", out var maximum) && number > maximum.GetInt64())
                {
                    errors.Add($"{at}: {number} is above {maximum.GetInt64()}");
                }

                break;
            case IReadOnlyList<object?> list:
                if (schema.TryGetProperty("minItems", out var minItems) && list.Count < minItems.GetInt32())
                {
                    errors.Add($"{at}: needs at least {minItems.GetInt32()} items");
                }

                if (schema.TryGetProperty("items", out var items))
                {
                    for (var i = 0; i < list.Count; i++)
                    {
                        Validate(root, items, list[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", errors);
                    }
                }

                break;
            case IReadOnlyDictionary<string, object?> map:
                ValidateObject(root, schema, map, path, errors);
                break;
        }
    }

    private static void ValidateObject(JsonElement root, JsonElement schema, IReadOnlyDictionary<string, object?> map, string path, List<string> errors)
    {
        var prefix = path.Length == 0 ? "" : path + ".";
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(name => !map.ContainsKey(name)))
            {
                errors.Add($"{prefix}{name}: required");
            }
        }

        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var (key, child) in map)
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(key, out var propertySchema))
            {
                Validate(root, propertySchema, child, prefix + key, errors);
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                errors.Add($"{prefix}{key}: not allowed by the schema");
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                Validate(root, additional, child, prefix + key, errors);
            }
        }
    }

    private static bool Accepts(JsonElement root, JsonElement option, object? value, string path)
    {
        var errors = new List<string>();
        Validate(root, option, value, path, errors);
        return errors.Count == 0;
    }

    private static bool HasType(object? value, string type) => type switch
    {
        "string" => value is string,
        "integer" => value is long,
        "number" => value is long or double,
        "boolean" => value is bool,
        "null" => value is null,
        "array" => value is IReadOnlyList<object?>,
        "object" => value is IReadOnlyDictionary<string, object?>,
        _ => throw new InvalidOperationException("unknown schema type " + type),
    };

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"string '{s}'",
        long n => $"integer {n}",
        bool b => b ? "true" : "false",
        IReadOnlyList<object?> => "a list",
        IReadOnlyDictionary<string, object?> => "a map",
        _ => value.GetType().Name,
    };
}
