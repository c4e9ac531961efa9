using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using WebhookSolver.Hosting;
using WebhookSolver.Route53;

namespace WebhookSolver.Tests.Hosting;

/// <summary>
/// Text logs through the console formatter the server registers: a value with CR/LF cannot start a forged line and
/// an escape sequence never reaches the terminal, whether it came from a challenge or from a Route53 answer.
/// </summary>
public sealed class LogEscapingTests
{
    private const string Forged = "x\r\n2026-01-01T00:00:00.000Z info: WebhookSolver.Challenges.ChallengeEndpoints[2001] Present succeeded";

    private static string Format(string message, params object[] scopes) => FormatAs("text", message, scopes);

    private static string FormatAs(string logFormat, string message, params object[] scopes)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Webhook:LogFormat"] = logFormat;
        builder.Configuration["Webhook:Local"] = "true";
        builder.Configuration["Metrics:Port"] = "0";
        builder.AddWebhookHosting();
        using var app = builder.Build();
        var name = app.Services.GetRequiredService<IOptions<ConsoleLoggerOptions>>().Value.FormatterName;
        var formatter = app.Services.GetServices<ConsoleFormatter>().Single(f => f.Name == name);
        var scopeProvider = new LoggerExternalScopeProvider();
        var pushed = scopes.Select(scopeProvider.Push).ToList();
        using var output = new StringWriter();
        formatter.Write(
            new LogEntry<string>(LogLevel.Warning, "WebhookSolver.Challenges.ChallengeEndpoints", new EventId(2002), message, null, (state, _) => state),
            scopeProvider,
            output);
        pushed.ForEach(scope => scope.Dispose());
        return output.ToString();
    }

    private static void ShouldBeOneCleanLine(string line)
    {
        line.Should().EndWith(Environment.NewLine);
        line[..^Environment.NewLine.Length].Any(c => c < ' ' || c == '\u007f').Should().BeFalse("every control character is escaped: {0}", line);
    }

    [Fact]
    public void AResolvedFqdnWithALineBreakCannotStartAForgedLine()
    {
        var line = Format("Present failed: no", $"Present dnsName=example.com resolvedFQDN={Forged} resolvedZone=example.com.");

        ShouldBeOneCleanLine(line);
        line.Should().Contain(@"resolvedFQDN=x\r\n2026-01-01T00:00:00.000Z info:");
    }

    [Fact]
    public void AnEscapeSequenceInARoute53MessageIsShownNotSentToTheTerminal()
    {
        var failure = Route53Errors.Create("ChangeResourceRecordSets", 400, Route53Exception.InvalidChangeBatchCode,
            ["RRSet with DNS name \u001b[2J\u001b]0;owned\u0007 is not permitted\nin zone example.com."], "Z1").Message;

        var line = Format($"Present failed: {failure}");

        ShouldBeOneCleanLine(line);
        line.Should().Contain(@"\u001b[2J\u001b]0;owned\u0007 is not permitted\nin zone");
    }

    [Fact]
    public void JsonLinesEscapeControlCharactersToo()
    {
        var line = FormatAs("json", $"Present failed: {Forged}\u001b[2J", $"Present resolvedFQDN={Forged}");

        ShouldBeOneCleanLine(line);
        line.Should().Contain(@"x\r\n2026-01-01T00:00:00.000Z info:").And.Contain(@"\u001B[2J");
    }

    [Fact]
    public void OrdinaryTextIsWrittenUnchanged()
    {
        var line = Format("Present succeeded", "Present dnsName=example.com");

        line.Should().EndWith("warn: WebhookSolver.Challenges.ChallengeEndpoints[2002] => Present dnsName=example.com Present succeeded" + Environment.NewLine);
    }
}
