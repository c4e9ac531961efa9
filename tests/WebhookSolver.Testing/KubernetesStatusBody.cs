using System.Text.Json.Nodes;

namespace WebhookSolver.Testing;

/// <summary>The meta/v1 Status body the Kubernetes API answers errors with.</summary>
internal static class KubernetesStatusBody
{
    public static FakeResponse Failure(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        return new FakeResponse(code, status.ToJsonString());
    }
}
