using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Hosting;

/// <summary>The built server with <c>--log-format=json</c>, as a log pipeline reads its console.</summary>
[Trait("Server", "Process")]
public class JsonLogsTests
{
    private static JsonObject? Parse(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    [Fact]
    public async Task EveryLineIsJsonWithATimestampAndAChallengeLineCarriesItsScopeAsFields()
    {
        using var directory = new WorkingDirectory();
        await using var server = RunningServer.Start(directory.Path, ["--local", "--secure-port=0", "--metrics-port=0", "--log-format=json"]);
        var started = Parse(await server.WaitForLineAsync(line => Parse(line)?["category"]?.GetValue<string>() == "WebhookSolver.Hosting.WebhookHost"))!;
        var address = new Uri(started["message"]!.GetValue<string>().Split(' ')[1]);
        using var handler =
            new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var http = new HttpClient(handler) { BaseAddress = address };

        using var answer = await http.PostAsync(new Uri("/apis/acme.example.com/v1alpha1/route53", UriKind.Relative),
            new StringContent(File.ReadAllText(TestData.PathOf("payloads", "present-ambient-with-typemeta.json")), System.Text.Encoding.UTF8,
                "application/json"));
        var failed = Parse(await server.WaitForLineAsync(line => Parse(line)?["eventId"]?.GetValue<int>() == 2002))!;

        answer.StatusCode.Should().Be(HttpStatusCode.Created);
        var message = (await answer.Content.ReadFromJsonAsync<JsonObject>())!["response"]!["status"]!["message"]!.GetValue<string>();
        message.Should().StartWith("ambient credentials are allowed but the webhook's pod has none: tried environment variables")
            .And.Contain("AWS_EC2_METADATA_DISABLED=true", "the server runs with it set");
        message.Length.Should().BeLessThanOrEqualTo(300);

        DateTimeOffset.TryParse(failed["timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out _).Should().BeTrue();
        failed["level"]!.GetValue<string>().Should().Be("warning");
        failed["message"]!.GetValue<string>().Should().Be($"Present failed: {message}");
        failed["action"]!.GetValue<string>().Should().Be("Present");
        failed["dnsName"]!.GetValue<string>().Should().Be("example.net");
        failed["resolvedFQDN"]!.GetValue<string>().Should().Be("_acme-challenge.example.net.");
        failed["resolvedZone"]!.GetValue<string>().Should().Be("example.net.");
        failed["resourceNamespace"]!.GetValue<string>().Should().Be("cert-manager");
        failed.Select(field => field.Key).Should().NotContain(["Scopes", "scopes", "State", "spanId", "traceId", "requestPath", "requestId"]);
        failed.ToJsonString().Length.Should().BeLessThan(message.Length + 500, "the failure appears once, with a few short fields");
        server.Lines.Should().OnlyContain(line => Parse(line) != null && Parse(line)!.ContainsKey("timestamp"),
            "every line is one JSON object with a timestamp");
    }
}
