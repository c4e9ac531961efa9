using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Authentication;
using k8s.Models;

namespace WebhookSolver.Kubernetes;

/// <summary>
/// The Kubernetes API calls the server makes, and no others. KubernetesClient's generated operations serialize through
/// its <c>KubernetesJson</c>, whose serializer context covers every Kubernetes model, and Native AOT keeps whatever
/// that context can reach (about 20 MiB of image that is loaded into memory at start-up); here only the models
/// listed in <see cref="KubernetesApiJsonContext"/> are kept. The connection itself comes from KubernetesClient's
/// <see cref="KubernetesClientConfiguration"/> and its public helpers: the cluster CA, the client certificate, and
/// the credentials that add the bearer token (re-read from the service account's token file as the kubelet rotates it).
/// </summary>
internal sealed class KubernetesApi : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");

    private readonly Uri _base;
    private readonly HttpClient _http;
    private readonly ServiceClientCredentials? _credentials;
    private readonly string? _tlsServerName;
    private readonly TimeSpan _timeout;
    private readonly bool _http2;

    public KubernetesApi(KubernetesClientConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var host = new Uri(configuration.Host, UriKind.Absolute).AbsoluteUri;
        _base = new Uri(host.EndsWith('/') ? host : host + "/");
        _credentials = k8s.Kubernetes.CreateCredentials(configuration);
        _tlsServerName = configuration.TlsServerName;
        _timeout = configuration.HttpClientTimeout;
        _http2 = !configuration.DisableHttp2;

        // KubernetesClient's own handler settings: HTTP/2 pings notice a dead connection while a call waits on it.
        var handler = new SocketsHttpHandler
        {
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromMinutes(3),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            EnableMultipleHttp2Connections = true,
        };
        if (_base.Scheme == Uri.UriSchemeHttps)
        {
            if (configuration.SkipTlsVerify)
            {
#pragma warning disable CA5359 // The kubeconfig asked for it (insecure-skip-tls-verify), as kubectl honours it.
                handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
            }
            else if (configuration.SslCaCerts is { Count: > 0 } authorities)
            {
                // KubernetesClient's rule — a chain the system trusts, or one that ends at the kubeconfig's or the pod's CA —
                // plus what client-go also checks and that rule leaves out: the certificate names the server (its
                // address, or the kubeconfig's tls-server-name).
                handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                    !errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)
                    && k8s.Kubernetes.CertificateValidationCallBack(sender, authorities, certificate, chain, errors);
            }
        }

        if (ClientCertificate(configuration) is { } clientCertificate)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
            // Offered whatever issuers the server lists, as KubernetesClient does.
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrWhiteSpace(configuration.UserAgent))
        {
            _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", configuration.UserAgent);
        }
    }

    public Task<V1Secret> ReadSecretAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v1/namespaces/{Segment(namespaceName)}/secrets/{Segment(name)}", null, Json<V1Secret>(), cancellationToken);

    public Task<V1ConfigMap> ReadConfigMapAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v1/namespaces/{Segment(namespaceName)}/configmaps/{Segment(name)}", null, Json<V1ConfigMap>(),
            cancellationToken);

    public Task<Authenticationv1TokenRequest> CreateServiceAccountTokenAsync(
        string namespaceName, string name, Authenticationv1TokenRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"api/v1/namespaces/{Segment(namespaceName)}/serviceaccounts/{Segment(name)}/token",
            Body(request, Json<Authenticationv1TokenRequest>()), Json<Authenticationv1TokenRequest>(), cancellationToken);

    public Task<V1SubjectAccessReview> CreateSubjectAccessReviewAsync(V1SubjectAccessReview review, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "apis/authorization.k8s.io/v1/subjectaccessreviews", Body(review, Json<V1SubjectAccessReview>()),
            Json<V1SubjectAccessReview>(), cancellationToken);

    public Task<V1LeaseList> ListLeasesAsync(string namespaceName, string labelSelector, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"{Leases(namespaceName)}?labelSelector={Uri.EscapeDataString(labelSelector)}", null, Json<V1LeaseList>(),
            cancellationToken);

    public Task<V1Lease> ReadLeaseAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"{Leases(namespaceName)}/{Segment(name)}", null, Json<V1Lease>(), cancellationToken);

    public Task<V1Lease> CreateLeaseAsync(string namespaceName, V1Lease lease, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, Leases(namespaceName), Body(lease, Json<V1Lease>()), Json<V1Lease>(), cancellationToken);

    /// <summary>An update (PUT): the API server refuses it with 409 when <c>metadata.resourceVersion</c> is not the stored one.</summary>
    public Task<V1Lease> ReplaceLeaseAsync(string namespaceName, string name, V1Lease lease, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"{Leases(namespaceName)}/{Segment(name)}", Body(lease, Json<V1Lease>()), Json<V1Lease>(), cancellationToken);

    public async Task DeleteLeaseAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(cancellationToken);
        // The answer (the Lease or a Status) says nothing the caller needs.
        using var response = await SendAsync(HttpMethod.Delete, $"{Leases(namespaceName)}/{Segment(name)}", null, deadline.Token).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// The kubeconfig's client certificate and key (PEM; a file wins over inline base64 data, as in KubernetesClient,
    /// whose loader for them is not public), or null when it has none.
    /// </summary>
    private static X509Certificate2? ClientCertificate(KubernetesClientConfiguration configuration)
    {
        var certificate = Pem(configuration.ClientCertificateFilePath, configuration.ClientCertificateData);
        var key = Pem(configuration.ClientKeyFilePath, configuration.ClientCertificateKeyData);
        return certificate is null || key is null ? null : X509Certificate2.CreateFromPem(certificate, key);

        static string? Pem(string? file, string? base64) =>
            !string.IsNullOrWhiteSpace(file) ? File.ReadAllText(file)
            : !string.IsNullOrWhiteSpace(base64) ? Encoding.UTF8.GetString(Convert.FromBase64String(base64))
            : null;
    }

    private static string Leases(string namespaceName) => $"apis/coordination.k8s.io/v1/namespaces/{Segment(namespaceName)}/leases";

    private static string Segment(string value) => Uri.EscapeDataString(value);

    private static JsonTypeInfo<T> Json<T>() => KubernetesApiJsonContext.Info<T>();

    private static ByteArrayContent Body<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = JsonType;
        return content;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? body, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(cancellationToken);
        using var response = await SendAsync(method, path, body, deadline.Token).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync(stream, answer, deadline.Token).ConfigureAwait(false)
                ?? throw new JsonException($"the Kubernetes API answered {method} {Call(path)} with null");
        }
    }

    /// <summary>The configuration's timeout for one call, headers and body (KubernetesClient's default is 100 s).</summary>
    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        return deadline;
    }

    /// <summary>
    /// Credentials are added per request, so a rotated token is picked up; any status other than 2xx is thrown as a
    /// <see cref="KubernetesApiException"/>.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, path)) { Content = body };
        if (_http2)
        {
            request.Version = HttpVersion.Version20;
        }

        if (_credentials is not null)
        {
            await _credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (!string.IsNullOrWhiteSpace(_tlsServerName))
        {
            request.Headers.Host = _tlsServerName;
        }

        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new KubernetesApiException(response.StatusCode, $"the Kubernetes API answered {(int)response.StatusCode} to {method} {Call(path)}");
        }

        return response;
    }

    /// <summary>The path without its query, for messages.</summary>
    private static string Call(string path) => "/" + path.Split('?')[0];
}
