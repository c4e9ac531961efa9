using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace WebhookSolver.Challenges;

/// <summary>
/// Everything <c>/openapi/v2</c> says about the protocol's types beyond their shape — descriptions, the action enum,
/// the solver's config and a Present example — in one place, applied to the generated schemas. Swagger UI fills
/// "Try it out" with the example, so it must be a body the endpoint answers with 201 as it stands.
/// </summary>
internal sealed class ChallengeSchemaFilter(IEnumerable<SolverConfigDescription> configs) : ISchemaFilter
{
    private static readonly Dictionary<Type, (string Description, Dictionary<string, string> Fields)> Descriptions = new()
    {
        [typeof(ChallengePayload)] = ("What cert-manager POSTs for a DNS01 challenge (webhook.acme.cert-manager.io/v1alpha1), and what it reads back", new()
        {
            ["apiVersion"] = $"{ChallengePayload.GroupVersion}; optional on the way in, always set in the answer",
            ["kind"] = $"{ChallengePayload.KindName}; optional on the way in, always set in the answer",
        }),
        [typeof(ChallengeRequest)] = ("One DNS01 challenge, as cert-manager describes it", new()
        {
            ["uid"] = "identifies this request; echoed in response.uid",
            ["action"] = "Present writes the TXT record value, CleanUp removes that value (and no other)",
            ["type"] = "the challenge type; cert-manager sends dns-01",
            ["dnsName"] = "the domain the certificate is for, e.g. example.com or *.example.com",
            ["key"] = "the TXT record value: the ACME key authorization digest",
            ["resourceNamespace"] = "where the Issuer's Secrets and ServiceAccounts are read: the Issuer's namespace, or cert-manager's cluster resource " +
                "namespace for a ClusterIssuer",
            ["resolvedFQDN"] = "the record to write, with a trailing dot: _acme-challenge.<dnsName>. or its CNAME target",
            ["resolvedZone"] = "the zone that holds resolvedFQDN, with a trailing dot (found by cert-manager from the SOA)",
            ["allowAmbientCredentials"] = "whether the webhook's own AWS identity may be used: cert-manager sets it for ClusterIssuers, and for Issuers only " +
                "with --issuer-ambient-credentials",
            ["config"] = "the Issuer's webhook.config, passed through untouched",
        }),
        [typeof(ChallengeResponse)] = ("The solver's answer", new()
        {
            ["uid"] = "request.uid",
            ["success"] = "true when the record was written (Present) or removed (CleanUp)",
            ["status"] = "on failure: status.message says what to fix, the same text on every retry",
        }),
        [typeof(Kubernetes.KubernetesStatus)] = ("A Kubernetes meta/v1 Status: the body of an error answer, and the failure inside a response", new()
        {
            ["kind"] = "Status, for an HTTP error answer",
            ["apiVersion"] = "v1, for an HTTP error answer",
            ["metadata"] = "always empty",
            ["status"] = "Failure",
            ["message"] = "what happened and what to fix",
            ["reason"] = "BadRequest, RequestEntityTooLarge, NotFound, MethodNotAllowed…",
            ["code"] = "the HTTP status code",
        }),
        [typeof(Kubernetes.StatusMetadata)] = ("List metadata of a Status; always empty here", []),
    };

    private readonly SolverConfigDescription? _config = configs.LastOrDefault();

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (schema is not OpenApiSchema target || !Descriptions.TryGetValue(context.Type, out var described))
        {
            return;
        }

        target.Description = described.Description;
        foreach (var (name, property) in target.Properties ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (property is OpenApiSchema inline && described.Fields.TryGetValue(name, out var text))
            {
                inline.Description = text;
            }
        }

        if (context.Type == typeof(ChallengeRequest) && target.Properties is { } properties)
        {
            if (properties["action"] is OpenApiSchema action)
            {
                action.Enum = [JsonValue.Create(ChallengeAction.Present), JsonValue.Create(ChallengeAction.CleanUp)];
            }

            properties["config"] = _config is null
                ? new OpenApiSchema { Type = JsonSchemaType.Object, Description = described.Fields["config"] }
                : Object($"{described.Fields["config"]}: {_config.Description}", _config.Fields);
        }

        if (context.Type == typeof(ChallengePayload))
        {
            target.Example = Example();
        }
    }

    /// <summary>A Present as cert-manager sends it for a ClusterIssuer, with the solver's example config.</summary>
    internal JsonObject Example() => new()
    {
        ["apiVersion"] = ChallengePayload.GroupVersion,
        ["kind"] = ChallengePayload.KindName,
        ["request"] = new JsonObject
        {
            ["uid"] = "6f1c1ac9-3c1e-4f7e-9d2a-1b7a1d0e5c42",
            ["action"] = ChallengeAction.Present,
            ["type"] = "dns-01",
            ["dnsName"] = "example.com",
            ["key"] = "Ws2y5mJp9Hj1kQ3bX8cV0nR7tL4eA6dF1gH2jK3lM4n",
            ["resourceNamespace"] = "cert-manager",
            ["resolvedFQDN"] = "_acme-challenge.example.com.",
            ["resolvedZone"] = "example.com.",
            ["allowAmbientCredentials"] = true,
            ["config"] = _config?.Example.DeepClone() ?? new JsonObject(),
        },
    };

    private static OpenApiSchema Object(string description, IReadOnlyList<ConfigField> fields) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        Properties = fields.ToDictionary(field => field.Name, Field),
        AdditionalPropertiesAllowed = false,
    };

    private static IOpenApiSchema Field(ConfigField field) => field.Type switch
    {
        "object" => Object(field.Description, field.Fields ?? []),
        "array"
            => new OpenApiSchema { Type = JsonSchemaType.Array, Description = field.Description, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        _ => new OpenApiSchema { Type = JsonSchemaType.String, Description = field.Description },
    };
}
