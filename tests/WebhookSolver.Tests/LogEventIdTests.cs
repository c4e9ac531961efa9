using System.Reflection;
using Microsoft.Extensions.Logging;

namespace WebhookSolver.Tests;

/// <summary>
/// Every log event of the server has an id of its own, in the range of the area (the folder) that writes it, so a
/// log query on one id finds one event and the id alone says where to look.
/// </summary>
public sealed class LogEventIdTests
{
    /// <summary>Each area's ids, lowest and highest.</summary>
    internal static readonly IReadOnlyDictionary<string, (int From, int To)> Areas = new Dictionary<string, (int, int)>
    {
        ["WebhookSolver.Hosting"] = (1000, 1999),
        ["WebhookSolver.Challenges"] = (2000, 2999),
        ["WebhookSolver.Route53"] = (3000, 3499),
        ["WebhookSolver.Kubernetes"] = (3500, 3999),
        ["WebhookSolver.Credentials"] = (4000, 4999),
        ["WebhookSolver.Security"] = (5000, 5999),
        ["WebhookSolver.Solver"] = (6000, 6999),
    };

    private static List<(string Method, string? Namespace, int Id)> Events() =>
        [.. typeof(Program).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance
                | BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(found => found.Attribute is not null)
            .Select(found => ($"{found.Method.DeclaringType!.FullName}.{found.Method.Name}", found.Method.DeclaringType!.Namespace,
                found.Attribute!.EventId))];

    [Fact]
    public void NoTwoLogEventsShareAnId()
    {
        var events = Events();

        events.Should().HaveCountGreaterThan(20, "the scan must see the server's [LoggerMessage] methods");
        events.GroupBy(e => e.Id).Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(e => e.Method))}")
            .Should().BeEmpty();
    }

    [Fact]
    public void EachIdIsInTheRangeOfItsArea()
    {
        Events().Where(e => !Areas.TryGetValue(e.Namespace ?? "", out var area) || e.Id < area.From || e.Id > area.To)
            .Select(e => $"{e.Method} has id {e.Id}")
            .Should().BeEmpty();
    }
}
