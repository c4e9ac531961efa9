using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using k8s.Models;
using WebhookSolver.Kubernetes;

namespace WebhookSolver.Security;

/// <summary>What the front-proxy authenticator trusts, and which headers carry the identity.</summary>
/// <param name="ClientCa">the requestheader CA bundle: the only roots a front-proxy certificate may chain to</param>
/// <param name="AllowedNames">common names allowed for the front-proxy certificate; empty allows any</param>
/// <param name="Source">where the settings came from, for log lines</param>
internal sealed record RequestHeaderSettings(
    X509Certificate2Collection ClientCa,
    IReadOnlyList<string> AllowedNames,
    IReadOnlyList<string> UsernameHeaders,
    IReadOnlyList<string> UidHeaders,
    IReadOnlyList<string> GroupHeaders,
    IReadOnlyList<string> ExtraHeaderPrefixes,
    string Source);

/// <summary>
/// Obtains the requestheader trust before the server listens — from <c>--requestheader-client-ca-file</c>, else
/// from the <c>kube-system/extension-apiserver-authentication</c> ConfigMap — and re-reads it on a timer so a
/// rotated front-proxy CA is picked up. Start-up fails closed when no trust can be had; a later read that fails
/// keeps the previous trust.
/// </summary>
internal sealed partial class RequestHeaderTrust(
    IOptions<SecurityModeOptions> mode,
    IOptions<WebhookSecurityOptions> securityOptions,
    KubernetesConnection kubernetes,
    TimeProvider time,
    ILogger<RequestHeaderTrust> logger) : BackgroundService
{
    public const string ConfigMapNamespace = "kube-system";
    public const string ConfigMapName = "extension-apiserver-authentication";

    internal static readonly string[] DefaultUsernameHeaders = ["X-Remote-User"];
    internal static readonly string[] DefaultGroupHeaders = ["X-Remote-Group"];
    internal static readonly string[] DefaultExtraHeaderPrefixes = ["X-Remote-Extra-"];

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private const string FixHint =
        "Either pass --requestheader-client-ca-file=<front-proxy CA bundle>, or let the webhook's service account read the ConfigMap: "
        + "kubectl create rolebinding -n kube-system <name> --role=extension-apiserver-authentication-reader --serviceaccount=<namespace>:<service account> "
        + "(run with --local to debug outside a cluster)";

    private const string PemHint =
        "it must hold the front-proxy CA that signs the kube-apiserver's --proxy-client-cert-file (the value of its --requestheader-client-ca-file)";

    private readonly WebhookSecurityOptions _options = securityOptions.Value;
    private RequestHeaderSettings? _current;
    private byte[] _fingerprint = [];

    /// <summary>The trust in force; null only in local mode or before start-up.</summary>
    public RequestHeaderSettings? Current => Volatile.Read(ref _current);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (mode.Value.Local)
        {
            return;
        }

        var (settings, fingerprint, error) = await LoadAsync(cancellationToken).ConfigureAwait(false);
        if (settings is null)
        {
            throw new WebhookStartupException($"cannot obtain the front-proxy (requestheader) trust, so no request could be authenticated: {error}");
        }

        Swap(settings, fingerprint);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.TrustReloadInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await RefreshAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Re-reads the source; swaps in the trust when it changed. A failed read keeps the previous trust.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var (settings, fingerprint, error) = await LoadAsync(cancellationToken).ConfigureAwait(false);
        if (settings is null)
        {
            LogReloadFailed(error);
            return false;
        }

        if (fingerprint.AsSpan().SequenceEqual(_fingerprint))
        {
            return false;
        }

        Swap(settings, fingerprint);
        return true;
    }

    private void Swap(RequestHeaderSettings settings, byte[] fingerprint)
    {
        _fingerprint = fingerprint;
        Volatile.Write(ref _current, settings);
        LogTrust(settings.Source, settings.ClientCa.Count, settings.AllowedNames.Count == 0 ? "any" : string.Join(",", settings.AllowedNames));
    }

    private async Task<(RequestHeaderSettings? Settings, byte[] Fingerprint, string Error)> LoadAsync(CancellationToken cancellationToken)
    {
        RawSettings raw;
        if (!string.IsNullOrWhiteSpace(_options.ClientCaFile))
        {
            try
            {
                raw = new RawSettings(await File.ReadAllTextAsync(_options.ClientCaFile, cancellationToken).ConfigureAwait(false),
                    null, null, null, null, null, $"--requestheader-client-ca-file {_options.ClientCaFile}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, [],
                    $"--requestheader-client-ca-file {_options.ClientCaFile} cannot be read ({e.GetType().Name}); mount the front-proxy CA bundle there");
            }
        }
        else
        {
            var (fromConfigMap, error) = await ReadConfigMapAsync(cancellationToken).ConfigureAwait(false);
            if (fromConfigMap is null)
            {
                return (null, [], error);
            }

            raw = fromConfigMap;
        }

        return Parse(raw);
    }

    private (RequestHeaderSettings?, byte[], string) Parse(RawSettings raw)
    {
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPem(raw.CaPem);
        }
        catch (CryptographicException e)
        {
            return (null, [], $"the requestheader CA bundle from {raw.Source} is not valid PEM ({e.GetType().Name}); {PemHint}");
        }

        if (bundle.Count == 0)
        {
            return (null, [], $"the requestheader CA bundle from {raw.Source} holds no PEM certificate; {PemHint}");
        }

        var settings = new RequestHeaderSettings(
            bundle,
            Pick(_options.AllowedNames, raw.AllowedNames, []),
            Pick(_options.UsernameHeaders, raw.UsernameHeaders, DefaultUsernameHeaders),
            raw.UidHeaders ?? [],
            Pick(_options.GroupHeaders, raw.GroupHeaders, DefaultGroupHeaders),
            Pick(_options.ExtraHeadersPrefixes, raw.ExtraHeaderPrefixes, DefaultExtraHeaderPrefixes),
            raw.Source);

        var identity = string.Join("\n", [raw.CaPem, .. settings.AllowedNames, "|", .. settings.UsernameHeaders, "|", .. settings.UidHeaders,
            "|", .. settings.GroupHeaders, "|", .. settings.ExtraHeaderPrefixes]);
        return (settings, SHA256.HashData(Encoding.UTF8.GetBytes(identity)), "");
    }

    /// <summary>A flag that was given wins; else the ConfigMap's value; else the Kubernetes default.</summary>
    private static IReadOnlyList<string> Pick(string? flag, IReadOnlyList<string>? fromConfigMap, IReadOnlyList<string> fallback) =>
        WebhookSecurityOptions.SplitList(flag) ?? fromConfigMap ?? fallback;

    private async Task<(RawSettings?, string)> ReadConfigMapAsync(CancellationToken cancellationToken)
    {
        const string what = $"ConfigMap {ConfigMapNamespace}/{ConfigMapName}";
        V1ConfigMap configMap;
        try
        {
            // Made here, at first use: local mode and the flags never need a cluster.
            var client = kubernetes.Client;
            using var timeout = new CancellationTokenSource(ReadTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            configMap = await client.ReadConfigMapAsync(ConfigMapNamespace, ConfigMapName, linked.Token).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            return (null, $"the Kubernetes API refused to let the webhook read {what} ({(int)e.StatusCode}). {FixHint}");
        }
        catch (KubernetesUnavailableException e)
        {
            // No cluster at all: the RBAC half of the hint would mislead.
            return (null, $"cannot read {what}: {e.Message}, or pass --requestheader-client-ca-file=<front-proxy CA bundle>, or run with " +
                "--local to debug outside a cluster");
        }
                catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return (null, $"{what} does not exist (the cluster's aggregation layer is not configured?). {FixHint}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The exception text may carry server output; its type and status code say enough.
            var status = e is KubernetesApiException { StatusCode: var code } ? $" {(int)code}" : "";
            return (null, $"cannot read {what} from the Kubernetes API ({e.GetType().Name}{status}). {FixHint}");
        }

        var data = configMap.Data ?? new Dictionary<string, string>();
        if (!data.TryGetValue("requestheader-client-ca-file", out var caPem) || string.IsNullOrWhiteSpace(caPem))
        {
            return (null, $"{what} has no requestheader-client-ca-file: the kube-apiserver runs without --requestheader-client-ca-file, so the aggregator " +
                "cannot authenticate to the webhook. "
                + "Configure the aggregation layer, or pass --requestheader-client-ca-file=<front-proxy CA bundle>");
        }

        try
        {
            return (new RawSettings(
                caPem,
                JsonList(data, "requestheader-allowed-names"),
                JsonList(data, "requestheader-username-headers"),
                JsonList(data, "requestheader-uid-headers"),
                JsonList(data, "requestheader-group-headers"),
                JsonList(data, "requestheader-extra-headers-prefix"),
                what), "");
        }
        catch (JsonException)
        {
            return (null, $"{what} holds a requestheader-* list that is not a JSON list of strings; check the kube-apiserver's --requestheader-* flags");
        }
    }

    /// <summary>The ConfigMap stores each list as a JSON array of strings; a missing key is null.</summary>
    private static string[]? JsonList(IDictionary<string, string> data, string key)
    {
        if (!data.TryGetValue(key, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        using var document = JsonDocument.Parse(text);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException($"{key} is not a list");
        }

        return [.. document.RootElement.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String
            ? item.GetString()!
            : throw new JsonException($"{key} holds a non-string"))];
    }

    private sealed record RawSettings(
        string CaPem,
        IReadOnlyList<string>? AllowedNames,
        IReadOnlyList<string>? UsernameHeaders,
        IReadOnlyList<string>? UidHeaders,
        IReadOnlyList<string>? GroupHeaders,
        IReadOnlyList<string>? ExtraHeaderPrefixes,
        string Source);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
        Message = "Front-proxy trust from {Source}: {CaCount} CA certificate(s), allowed names: {AllowedNames}")]
    private partial void LogTrust(string source, int caCount, string allowedNames);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Front-proxy trust not reloaded, the previous one stays in force: {Error}")]
    private partial void LogReloadFailed(string error);
}
