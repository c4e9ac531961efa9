namespace WebhookSolver.Testing;

/// <summary>A kubeconfig for a fake API server: plain HTTP on loopback and a bearer token the fakes ignore.</summary>
internal static class TestKubeconfig
{
    /// <param name="namespaceName">the context's namespace, if any</param>
    public static void Write(string path, Uri server, string? namespaceName = null) => File.WriteAllText(path, $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster:
            server: {server.ToString().TrimEnd('/')}
        users:
        - name: test
          user:
            token: webhook
        contexts:
        - name: test
          context:
            cluster: test
            user: test
        {(namespaceName is null ? "" : $"    namespace: {namespaceName}")}
        current-context: test
        """);
}
