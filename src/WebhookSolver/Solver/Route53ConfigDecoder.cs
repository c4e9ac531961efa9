using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using WebhookSolver.Challenges;
using WebhookSolver.Credentials;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Solver;

/// <summary>
/// Decodes the Issuer's <c>webhook.config</c> into a <see cref="Route53Config"/>. Unknown fields are refused by
/// name (the source-generated contract disallows unmapped members): a misspelt credential field would otherwise fall
/// through to other (possibly ambient) credentials. Every field that reaches a URL, a header or a log line is then
/// checked against its format. Cross-field messages keep cert-manager's wording so users of the built-in solver
/// recognise them.
/// </summary>
internal static class Route53ConfigDecoder
{
    /// <summary>Decodes and validates; an absent or null config is the empty config (ambient credentials).</summary>
    /// <exception cref="SolverException">the config is malformed, contradicts itself, or holds a value outside its format</exception>
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

        Route53Config decoded;
        try
        {
            decoded = element.Deserialize(Route53ConfigJsonContext.Default.Route53Config) ?? new Route53Config();
        }
        catch (JsonException e)
        {
            throw new SolverException(Explain(element, e.Path), e);
        }

        var normalized = Normalize(decoded);
        Validate(normalized);
        CheckFormats(normalized);
        return normalized;
    }

    /// <summary>
    /// Names what is wrong at the failing JSON path, reading the allowed fields and their kinds from the
    /// source-generated contract (the one description of <see cref="Route53Config"/>).
    /// </summary>
    private static string Explain(JsonElement root, string? path)
    {
        var segments = Segments(path);
        JsonTypeInfo type = Route53ConfigJsonContext.Default.Route53Config;
        var value = root;
        var fieldPath = "";
        for (var i = 0; i < segments.Count && segments[i].Name is { } name; i++)
        {
            fieldPath = fieldPath.Length == 0 ? name : $"{fieldPath}.{name}";
            var property = type.Properties.FirstOrDefault(p => p.Name == name);
            if (property is null)
            {
                var known = type.Properties.Select(p => p.Name).ToList();
                var suggestion = known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
                var hint = suggestion is null ? "" : $" (did you mean \"{suggestion}\"?)";
                return $"webhook config has an unknown field \"{Printable(fieldPath)}\"{hint}; the fields here are: {string.Join(", ", known)}";
            }

            value = value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var child) ? child : default;
            var propertyType = Route53ConfigJsonContext.Default.GetTypeInfo(property.PropertyType);
            if (propertyType?.Kind == JsonTypeInfoKind.Enumerable)
            {
                var got = i + 1 < segments.Count && segments[i + 1].Index is { } item && value.ValueKind == JsonValueKind.Array && item < value.GetArrayLength()
                    ? $"{Describe(value[item].ValueKind)} at position {item}"
                    : Describe(value.ValueKind);
                return $"webhook config field \"{fieldPath}\" must be a list of strings, got {got}";
            }

            if (i == segments.Count - 1 || propertyType is null)
            {
                var expected = propertyType?.Kind == JsonTypeInfoKind.Object ? "an object" : "a string";
                return $"webhook config field \"{fieldPath}\" must be {expected}, got {Describe(value.ValueKind)}";
            }

            type = propertyType;
        }

        return "webhook config could not be decoded: it must be a JSON object with the fields of cert-manager's route53 block";
    }

    private readonly record struct Segment(string? Name, int? Index);

    /// <summary>Splits System.Text.Json's path (<c>$.auth.kubernetes['odd name'][0]</c>) into property names and indexes.</summary>
    private static List<Segment> Segments(string? path)
    {
        var segments = new List<Segment>();
        if (string.IsNullOrEmpty(path))
        {
            return segments;
        }

        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(new Segment(path[(i + 1)..end], null));
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add(new Segment(path[(i + 2)..end], null));
                i = Math.Min(path.Length, end + 2);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(new Segment(null, int.TryParse(path.AsSpan(i + 1, end - i - 1), out var index) ? index : 0));
                i = Math.Min(path.Length, end + 1);
            }
            else
            {
                break;
            }
        }

        return segments;
    }

    /// <summary>An unknown field's name is the caller's text: shown only as far as it is printable ASCII.</summary>
    private static string Printable(string name)
    {
        var shown = new string([.. name.Take(64).Select(c => c is >= ' ' and < '\u007f' ? c : '?')]);
        return name.Length > 64 ? shown + "..." : shown;
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

    /// <summary>Surrounding spaces are forgiven; any other character, a newline included, is checked against the format.</summary>
    private static string? Clean(string? value) => value?.Trim(' ') is { Length: > 0 } trimmed ? trimmed : null;

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
                        Audiences = serviceAccount.Audiences?.Select(a => a?.Trim(' ') ?? "").Where(a => a.Length > 0).ToArray(),
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

    /// <summary>Each field against its own format; the messages name the field and what it may hold.</summary>
    private static void CheckFormats(Route53Config config)
    {
        Check(config.Region, AwsFormats.IsRegion, "config.region", "an AWS region name", AwsFormats.RegionRule);
        Check(config.HostedZoneID, AwsFormats.IsHostedZoneId, "config.hostedZoneID", "a Route53 hosted zone id", AwsFormats.HostedZoneIdRule);
        Check(config.AccessKeyID, AwsFormats.IsAccessKeyId, "config.accessKeyID", "an AWS access key id", AwsFormats.AccessKeyIdRule);
        Check(config.Role, AwsFormats.IsRoleArn, "config.role", "an IAM role ARN", AwsFormats.RoleArnRule);
        CheckSelector(config.AccessKeyIDSecretRef, "config.accessKeyIDSecretRef");
        CheckSelector(config.SecretAccessKeySecretRef, "config.secretAccessKeySecretRef");
        if (config.Auth?.Kubernetes?.ServiceAccountRef is { } serviceAccount)
        {
            Check(serviceAccount.Name, KubernetesNames.IsSubdomain, "config.auth.kubernetes.serviceAccountRef.name", "a ServiceAccount name",
                KubernetesNames.SubdomainRule);
            var audiences = serviceAccount.Audiences ?? [];
            if (audiences.Count > 16)
            {
                throw new SolverException("config.auth.kubernetes.serviceAccountRef.audiences holds more than 16 audiences");
            }

            foreach (var audience in audiences)
            {
                Check(audience, a => a.Length <= 256 && AwsFormats.IsVisibleAscii(a), "config.auth.kubernetes.serviceAccountRef.audiences",
                    "a list of token audiences", "printable ASCII without spaces, at most 256 characters each");
            }
        }
    }

    private static void CheckSelector(SecretKeySelector? selector, string field)
    {
        Check(selector?.Name, KubernetesNames.IsSubdomain, $"{field}.name", "a Secret name", KubernetesNames.SubdomainRule);
        Check(selector?.Key, KubernetesNames.IsDataKey, $"{field}.key", "a Secret data key", KubernetesNames.DataKeyRule);
    }

    private static void Check(string? value, Func<string, bool> valid, string field, string what, string rule)
    {
        if (value is not null && !valid(value))
        {
            throw new SolverException($"{field} is not {what} ({rule})");
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

/// <summary>Unmapped members are refused: the contract is the one list of fields the config may have.</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(Route53Config))]
internal sealed partial class Route53ConfigJsonContext : JsonSerializerContext;
