using System.Text.Json;
using WebhookSolver.Challenges;

namespace WebhookSolver.Tests.Credentials;

internal static class CredentialTestData
{
    public const string Namespace = "team-a";
    public const string Role = "arn:aws:iam::222222222222:role/dns-manager";

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public static ChallengeRequest Request(string? configJson, bool allowAmbient = false, string resourceNamespace = Namespace) => new()
    {
        Uid = "0f4c1a3e-5b7d-4c51-9b8e-1a2b3c4d5e6f",
        Action = ChallengeAction.Present,
        Type = "dns-01",
        DnsName = "www.example.com",
        Key = "challenge-key",
        ResourceNamespace = resourceNamespace,
        ResolvedFQDN = "_acme-challenge.www.example.com.",
        ResolvedZone = "example.com.",
        AllowAmbientCredentials = allowAmbient,
        Config = configJson is null ? null : Json(configJson),
    };
}
