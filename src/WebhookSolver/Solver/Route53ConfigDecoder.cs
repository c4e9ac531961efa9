using System.Text.Json;
using System.Text.Json.Serialization;
using WebhookSolver.Credentials;

namespace WebhookSolver.Solver;

/// <summary>
/// Decodes the Issuer's <c>webhook.config</c> into a <see cref="Route53Config"/>. Unknown fields are refused by
/// name: a misspelt credential field would otherwise fall through to other (possibly ambient) credentials.
/// Validation messages keep cert-manager's wording so users of the built-in solver recognise them.
/// </summary>
internal static class Route53ConfigDecoder
{
    /// <summary>A JSON object's allowed fields; a null child is a leaf of the given kind.</summary>
    private sealed record Shape(IReadOnlyDictionary<string, Shape?>? Fields = null, bool StringList = false)
    {
        public static readonly Shape Leaf = new();
        public static readonly Shape Strings = new(StringList: true);
    }

    private static readonly Shape SecretRef = new(new Dictionary<string, Shape?>(StringComparer.Ordinal)
    {
        ["name"] = Shape.Leaf,
        ["key"] = Shape.Leaf,
    });

    private static readonly Shape Root = new(new Dictionary<string, Shape?>(StringComparer.Ordinal)
    {
        ["region"] = Shape.Leaf,
        ["hostedZoneID"] = Shape.Leaf,
        ["accessKeyID"] = Shape.Leaf,
        ["accessKeyIDSecretRef"] = SecretRef,
        ["secretAccessKeySecretRef"] = SecretRef,
        ["role"] = Shape.Leaf,
        ["auth"] = new(new Dictionary<string, Shape?>(StringComparer.Ordinal)
        {
            ["kubernetes"] = new(new Dictionary<string, Shape?>(StringComparer.Ordinal)
            {
                ["serviceAccountRef"] = new(new Dictionary<string, Shape?>(StringComparer.Ordinal)
                {
                    ["name"] = Shape.Leaf,
                    ["audiences"] = Shape.Strings,
                }),
            }),
        }),
    });

    /// <summary>Decodes and validates; an absent or null config is the empty config (ambient credentials).</summary>
    /// <exception cref="SolverException">the config is malformed or contradicts itself</exception>
    public static Route53Config Decode(JsonElement? config)
    {
        if (config is not { } element || element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return new Route53Config();
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SolverException(
                $"webhook config must be a JSON object with the fields of cert-manager's route53 block, got {Describe(element.ValueKind)}");
        }

        CheckShape(element, Root, "");
        Route53Config decoded;
        try
        {
            decoded = element.Deserialize(Route53ConfigJsonContext.Default.Route53Config) ?? new Route53Config();
        }
        catch (JsonException e)
        {
            // CheckShape has already matched every type, so this is a safety net, not a user path.
            throw new SolverException($"webhook config could not be decoded at {e.Path ?? "$"}", e);
        }

        var normalized = Normalize(decoded);
        Validate(normalized);
        return normalized;
    }

    private static void CheckShape(JsonElement element, Shape shape, string path)
    {
        foreach (var property in element.EnumerateObject())
        {
            var fieldPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
            if (!shape.Fields!.TryGetValue(property.Name, out var child) || child is null)
            {
                var known = string.Join(", ", shape.Fields!.Keys);
                var suggestion = shape.Fields!.Keys.FirstOrDefault(k => string.Equals(k, property.Name, StringComparison.OrdinalIgnoreCase));
                var hint = suggestion is null ? "" : $" (did you mean \"{suggestion}\"?)";
                throw new SolverException(
                    $"webhook config has an unknown field \"{fieldPath}\"{hint}; the fields here are: {known}");
            }

            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (child.Fields is not null)
            {
                if (value.ValueKind != JsonValueKind.Object)
                {
                    throw new SolverException($"webhook config field \"{fieldPath}\" must be an object, got {Describe(value.ValueKind)}");
                }

                CheckShape(value, child, fieldPath);
            }
            else if (child.StringList)
            {
                if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
                {
                    throw new SolverException($"webhook config field \"{fieldPath}\" must be a list of strings");
                }
            }
            else if (value.ValueKind != JsonValueKind.String)
            {
                throw new SolverException($"webhook config field \"{fieldPath}\" must be a string, got {Describe(value.ValueKind)}");
            }
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.String => "a string",
        _ => "null",
    };

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static SecretKeySelector? Clean(SecretKeySelector? selector) =>
        selector is null ? null : new SecretKeySelector { Name = Clean(selector.Name), Key = Clean(selector.Key) };

    private static Route53Config Normalize(Route53Config config)
    {
        var serviceAccount = config.Auth?.Kubernetes?.ServiceAccountRef;
        return config with
        {
            Region = Clean(config.Region),
            HostedZoneID = Clean(config.HostedZoneID),
            AccessKeyID = Clean(config.AccessKeyID),
            AccessKeyIDSecretRef = Clean(config.AccessKeyIDSecretRef),
            SecretAccessKeySecretRef = Clean(config.SecretAccessKeySecretRef),
            Role = Clean(config.Role),
            Auth = config.Auth is null ? null : new Route53Auth
            {
                Kubernetes = config.Auth.Kubernetes is null ? null : new Route53KubernetesAuth
                {
                    ServiceAccountRef = serviceAccount is null ? null : new ServiceAccountRef
                    {
                        Name = Clean(serviceAccount.Name),
                        Audiences = serviceAccount.Audiences?.Select(a => a.Trim()).Where(a => a.Length > 0).ToArray(),
                    },
                },
            },
        };
    }

    private static void Validate(Route53Config config)
    {
        if (config.AccessKeyID is not null && config.AccessKeyIDSecretRef is not null)
        {
            throw new SolverException("accessKeyID and accessKeyIDSecretRef cannot both be specified");
        }

        RequireComplete(config.AccessKeyIDSecretRef, "accessKeyIDSecretRef");
        if (config.SecretAccessKeySecretRef is { } secretRef && (secretRef.Name is not null || secretRef.Key is not null))
        {
            RequireComplete(secretRef, "secretAccessKeySecretRef");
        }

        if (config.Auth is not null)
        {
            if (config.Auth.Kubernetes?.ServiceAccountRef?.Name is null)
            {
                throw new SolverException("service account name is required for Kubernetes auth");
            }

            if (config.Role is null)
            {
                throw new SolverException("role must be set when web identity token is set");
            }

            // Static keys are ignored in this mode, as by cert-manager's built-in solver.
            return;
        }

        if (CredentialPlan.HasAccessKeyID(config) != CredentialPlan.HasSecretAccessKey(config))
        {
            throw new SolverException("only one of access and secret key was provided");
        }
    }

    private static void RequireComplete(SecretKeySelector? selector, string field)
    {
        if (selector is null)
        {
            return;
        }

        if (selector.Name is null)
        {
            throw new SolverException($"{field} requires a name field to be specified");
        }

        if (selector.Key is null)
        {
            throw new SolverException($"{field} requires a key field to be specified");
        }
    }
}

[JsonSerializable(typeof(Route53Config))]
internal sealed partial class Route53ConfigJsonContext : JsonSerializerContext;
