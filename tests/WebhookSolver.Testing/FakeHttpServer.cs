using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace WebhookSolver.Testing;

/// <summary>An HTTP request as a fake service received it.</summary>
internal sealed record RecordedRequest(
    string Method,
    string Path,
    string QueryString,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>Decoded query parameters (last value wins).</summary>
    public IReadOnlyDictionary<string, string> Query =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(QueryString)
            .ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);
}

/// <summary>What a fake service answers.</summary>
internal sealed record FakeResponse(int Status, string Body = "", string ContentType = "application/json")
{
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Delay before answering: a slow service.</summary>
    public TimeSpan Delay { get; init; }
}

/// <summary>
/// A real HTTP server on loopback that stands in for an external service (Route53, STS, the Kubernetes API,
/// instance metadata). Its handler answers the calls a test expects; any other call is answered 501 and
/// recorded, and <see cref="DisposeAsync"/> then fails the test — the network fails closed.
/// </summary>
internal sealed class FakeHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<string> _unexpected = new();
    private readonly ConcurrentQueue<string> _clientCertificates = new();

    private FakeHttpServer(WebApplication app, string name)
    {
        _app = app;
        Name = name;
    }

    public string Name { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public IReadOnlyList<string> UnexpectedCalls => [.. _unexpected];

    /// <summary>The subjects of the client certificates presented, when the fake asks for them.</summary>
    public IReadOnlyList<string> ClientCertificateSubjects => [.. _clientCertificates];

    /// <summary>
    /// Starts a fake on 127.0.0.1 with a free port. <paramref name="handler"/> returns null for a call it does
    /// not expect. With <paramref name="certificate"/> it serves HTTPS; with <paramref name="requireClientCertificate"/>
    /// as well, a client without a certificate fails the handshake, and each one presented is recorded
    /// (<see cref="ClientCertificateSubjects"/>).
    /// </summary>
    public static async Task<FakeHttpServer> StartAsync(
        string name,
        Func<RecordedRequest, Task<FakeResponse?>> handler,
        X509Certificate2? certificate = null,
        bool requireClientCertificate = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        FakeHttpServer? started = null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null && requireClientCertificate)
            {
                listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (presented, _, _) =>
                    {
                        started?._clientCertificates.Enqueue(presented.Subject);
                        return true;
                    },
                });
            }
            else if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        var server = new FakeHttpServer(app, name);
        started = server;
        app.Run(context => server.AnswerAsync(context, handler));
        await app.StartAsync();
        var address = app.Services.GetService(typeof(IServer)) is IServer s
            ? s.Features.Get<IServerAddressesFeature>()!.Addresses.First()
            : throw new InvalidOperationException("no server");
        server.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    /// <summary>A fake with a synchronous handler.</summary>
    public static Task<FakeHttpServer> StartAsync(
        string name, Func<RecordedRequest, FakeResponse?> handler, X509Certificate2? certificate = null, bool requireClientCertificate = false) =>
        StartAsync(name, request => Task.FromResult(handler(request)), certificate, requireClientCertificate);

    private async Task AnswerAsync(HttpContext context, Func<RecordedRequest, Task<FakeResponse?>> handler)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var headers = context.Request.Headers.ToDictionary(
            pair => pair.Key.ToLowerInvariant(), pair => pair.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "/",
            context.Request.QueryString.Value ?? "",
            headers,
            body.ToArray());
        _requests.Enqueue(request);

        FakeResponse? response;
        try
        {
            response = await handler(request);
        }
        catch (Exception e)
        {
            _unexpected.Enqueue($"{request.Method} {request.Path}{request.QueryString}: handler threw {e.GetType().Name}: {e.Message}");
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        if (response is null)
        {
            _unexpected.Enqueue($"{request.Method} {request.Path}{request.QueryString}");
            context.Response.StatusCode = StatusCodes.Status501NotImplemented;
            await context.Response.WriteAsync($"{Name}: unexpected call");
            return;
        }

        if (response.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(response.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = response.Status;
        foreach (var (key, value) in response.Headers)
        {
            context.Response.Headers[key] = value;
        }

        if (response.Body.Length > 0 || response.ContentType.Length > 0)
        {
            context.Response.ContentType = response.ContentType;
        }

        await context.Response.WriteAsync(response.Body);
    }

    /// <summary>Stops the server and fails the test if any call was not expected.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (!_unexpected.IsEmpty)
        {
            throw new InvalidOperationException($"{Name} received calls the test did not expect:\n  " + string.Join("\n  ", _unexpected));
        }
    }
}
