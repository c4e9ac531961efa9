extern alias JsonSchemaNet;

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using JsonSchemaNet::Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Charts;

/// <summary>
/// The chart as files: values.yaml as a plain tree (maps, lists, scalars typed as YAML 1.2 core schema does),
/// the JSON schema, the template texts and the README. No helm binary is needed.
/// </summary>
internal static partial class ChartFiles
{
    public const string ChartPath = "charts/cert-manager-webhook-route53";

    public static string RepoRoot => TestData.RepositoryRoot;

    public static string ChartDirectory => Path.Combine(RepoRoot, ChartPath);

    public static IReadOnlyDictionary<string, object?> Values { get; } =
        (IReadOnlyDictionary<string, object?>)LoadYaml(File.ReadAllText(Path.Combine(ChartDirectory, "values.yaml")))!;

    public static JsonElement Schema { get; } =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(ChartDirectory, "values.schema.json"))).RootElement.Clone();

    private static readonly JsonSchema ValuesSchema = JsonSchema.FromText(File.ReadAllText(Path.Combine(ChartDirectory, "values.schema.json")));

    /// <summary>
    /// Validates values against values.schema.json (draft-07) with JsonSchema.Net, as Helm validates the merged
    /// values; each error reads "path: message" (path in the --set form, e.g. <c>rbac.secrets[0].namespace</c>).
    /// </summary>
    public static IReadOnlyList<string> SchemaErrors(object values)
    {
        var instance = JsonSerializer.SerializeToElement(values);
        var result = ValuesSchema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }

        return (result.Details ?? [])
            .Where(detail => detail.Errors is { Count: > 0 })
            .SelectMany(detail => detail.Errors!.Select(error => $"{ValuesPath(detail.InstanceLocation.ToString())}: {error.Value}"))
            .Distinct()
            .ToList();
    }

    private static string ValuesPath(string pointer) => string.Concat(pointer.Split('/', StringSplitOptions.RemoveEmptyEntries)
        .Select((part, i) => part.All(char.IsAsciiDigit) ? $"[{part}]" : (i == 0 ? "" : ".")
            + part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)));

    public static string Readme { get; } = File.ReadAllText(Path.Combine(ChartDirectory, "README.md"));

    /// <summary>Every file under templates/, by file name.</summary>
    public static IReadOnlyDictionary<string, string> Templates { get; } =
        Directory.EnumerateFiles(Path.Combine(ChartDirectory, "templates"))
            .ToDictionary(file => Path.GetFileName(file), File.ReadAllText, StringComparer.Ordinal);

    public static string Template(string name) => Templates[name];

    public static string ReadRepoFile(string relativePath) => File.ReadAllText(Path.Combine(RepoRoot, relativePath));

    /// <summary>Parses one YAML document into dictionaries, lists and typed scalars.</summary>
    public static object? LoadYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(
            pair => ((YamlScalarNode)pair.Key).Value!, pair => Convert(pair.Value), StringComparer.Ordinal),
        YamlSequenceNode list => list.Children.Select(Convert).ToList(),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new InvalidOperationException("unsupported YAML node " + node.NodeType),
    };

    private static object? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return value;
        }

        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => number,
            _ => value,
        };
    }

    /// <summary>The <c>.Values.a.b</c> paths a template text uses (as <c>a.b</c>), including <c>$.Values</c>.</summary>
    public static IReadOnlySet<string> ValuesReferences(string templateText) =>
        ValuesReference().Matches(templateText).Select(m => m.Groups["path"].Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"(?<![\w)])\$?\.Values\.(?<path>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")]
    private static partial Regex ValuesReference();

    /// <summary>Whether <paramref name="path"/> names a key of values.yaml (its value may be null or empty).</summary>
    public static bool ValuesDefine(IReadOnlyDictionary<string, object?> values, string path)
    {
        object? node = values;
        foreach (var key in path.Split('.'))
        {
            if (node is not IReadOnlyDictionary<string, object?> map || !map.TryGetValue(key, out node))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The schema node for a values path, following <c>properties</c> and <c>$ref</c>; null when undefined.</summary>
    public static JsonElement? SchemaNode(JsonElement schema, string path)
    {
        var node = schema;
        foreach (var key in path.Split('.'))
        {
            node = Dereference(schema, node);
            if (!node.TryGetProperty("properties", out var properties) || !properties.TryGetProperty(key, out node))
            {
                return null;
            }
        }

        return Dereference(schema, node);
    }

    public static JsonElement Dereference(JsonElement root, JsonElement node)
    {
        while (node.ValueKind == JsonValueKind.Object && node.TryGetProperty("$ref", out var reference))
        {
            var target = root;
            foreach (var part in reference.GetString()!.TrimStart('#', '/').Split('/'))
            {
                target = target.GetProperty(part);
            }

            node = target;
        }

        return node;
    }

    /// <summary>
    /// The values a user sets one by one: paths down the tree until the schema stops naming sub-keys
    /// (free-form maps such as <c>resources</c> or <c>nodeSelector</c> are one value).
    /// </summary>
    public static IEnumerable<string> ValueLeaves(IReadOnlyDictionary<string, object?> values, JsonElement schema, string prefix = "")
    {
        foreach (var (key, value) in values)
        {
            var path = prefix + key;
            var node = SchemaNode(schema, path);
            if (value is IReadOnlyDictionary<string, object?> map && node is { } n && n.TryGetProperty("properties", out _))
            {
                foreach (var leaf in ValueLeaves(map, schema, path + "."))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    /// <summary>The YAML documents of a template, split on <c>---</c> lines.</summary>
    public static IReadOnlyList<string> Documents(string templateText) =>
        DocumentSeparator().Split(templateText).Where(d => !string.IsNullOrWhiteSpace(d)).ToList();

    [GeneratedRegex(@"^---[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();

    /// <summary>The top-level <c>kind:</c> of a template document.</summary>
    public static string KindOf(string document) => KindLine().Match(document) is { Success: true } m ? m.Groups[1].Value : "";

    [GeneratedRegex(@"^kind:\s*(\w+)", RegexOptions.Multiline)]
    private static partial Regex KindLine();
}
