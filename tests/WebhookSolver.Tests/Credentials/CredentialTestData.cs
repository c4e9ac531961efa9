using System.Text.Json;
using WebhookSolver.Credentials;
using WebhookSolver.Solver;

namespace WebhookSolver.Tests.Credentials;

internal static class CredentialTestData
{
    public const string Namespace = "team-a";
    public const string Role = "arn:aws:iam::222222222222:role/dns-manager";

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>What the solver hands the credential chain for a challenge with this config.</summary>
    public static CredentialRequest Request(string? configJson, bool allowAmbient = false, string resourceNamespace = Namespace) =>
        new(resourceNamespace, allowAmbient, Route53ConfigDecoder.Decode(configJson is null ? null : Json(configJson)));
}
