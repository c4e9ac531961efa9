using System.Reflection;
using Microsoft.Extensions.Logging;

namespace WebhookSolver.Tests;

/// <summary>
/// Every log event of the server has an id of its own, and the thousands of the id name the area (the folder) that
/// writes it, so a log query on one id finds one event.
/// </summary>
public sealed class LogEventIdTests
{
    /// <summary>The area of each id range: 1xxx Hosting, 2xxx Challenges, 3xxx Credentials, …</summary>
    internal static readonly IReadOnlyDictionary<string, int> Areas = new Dictionary<string, int>
    {
        ["WebhookSolver.Hosting"] = 1,
        ["WebhookSolver.Challenges"] = 2,
        ["WebhookSolver.Credentials"] = 3,
        ["WebhookSolver.Route53"] = 4,
        ["WebhookSolver.Security"] = 5,
        ["WebhookSolver.Kubernetes"] = 6,
        ["WebhookSolver.Solver"] = 7,
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
        Events().Where(e => !Areas.TryGetValue(e.Namespace ?? "", out var area) || e.Id / 1000 != area)
            .Select(e => $"{e.Method} has id {e.Id}")
            .Should().BeEmpty();
    }
}
