using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Security;

/// <summary>
/// One real server over TLS, trusting the front-proxy CA through the ConfigMap (allowed name
/// <c>front-proxy-client</c>), with a fake Kubernetes API whose RBAC lets <c>alice</c> create the solver resource
/// and read discovery and OpenAPI, and denies everyone else.
/// </summary>
public sealed class SecureServerFixture : IAsyncLifetime
{
    public const string AllowedName = "front-proxy-client";

    internal FrontProxyCertificates Certificates { get; } = new();

    internal FakeKubernetesAuthorization Kubernetes { get; private set; } = null!;

    internal SecureWebhookFactory Factory { get; private set; } = null!;

    public X509Certificate2 FrontProxyClient { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Kubernetes = await FakeKubernetesAuthorization.StartAsync();
        Kubernetes.ConfigMapData = FakeKubernetesAuthorization.AuthenticationConfigMap(FrontProxyCertificates.Pem(Certificates.FrontProxyCa), AllowedName);
        Kubernetes.Policy = AliceMayUseTheSolver;
        Factory = new SecureWebhookFactory(Certificates, Kubernetes.CreateClient());
        Factory.Start();
        FrontProxyClient = Certificates.Issue(Certificates.FrontProxyCa, AllowedName);
    }

    internal static (bool, string) AliceMayUseTheSolver(ReceivedReview review)
    {
        if (!review.User!.StartsWith("alice", StringComparison.Ordinal))
        {
            return (false, "");
        }

        if (review.ResourceAttributes is { } resource)
        {
            var allowed = (string?)resource["verb"] == "create" && (string?)resource["group"] == SecureWebhookFactory.GroupName
                && (string?)resource["version"] == "v1alpha1" && (string?)resource["resource"] == "route53";
            return (allowed, allowed ? "RBAC: allowed by ClusterRoleBinding \"cert-manager-webhook-route53\"" : "");
        }

        var path = (string?)review.NonResourceAttributes!["path"];
        return ((string?)review.NonResourceAttributes["verb"] == "get" && (path!.StartsWith("/apis", StringComparison.Ordinal) || path == "/openapi/v2"), "");
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? user = null, string[]? groups = null, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Add("X-Remote-User", user);
        }

        foreach (var group in groups ?? [])
        {
            request.Headers.Add("X-Remote-Group", group);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    }

    public static string ValidPayload(string action = "Present") =>
        ("""{"request":{"uid":"","action":"ACTION","type":"dns-01","dnsName":"example.com",""" +
         "\"key\":\"dGVzdC1rZXktdmFsdWUtNDMtY2hhcnMtbG9uZy0wMTIzNDU\",\"resourceNamespace\":\"cert-manager\"," +
         "\"resolvedFQDN\":\"_acme-challenge.example.com.\",\"resolvedZone\":\"example.com.\",\"allowAmbientCredentials\":" +
         """false,"config":{"region":"us-east-1"}}}""")
            .Replace("ACTION", action, StringComparison.Ordinal);

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Kubernetes.DisposeAsync();
        Certificates.Dispose();
    }
}
