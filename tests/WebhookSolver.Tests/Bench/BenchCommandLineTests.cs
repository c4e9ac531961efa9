using System.Diagnostics;
using System.Reflection;

namespace WebhookSolver.Tests.Bench;

/// <summary>The benchmark's command line, run as <c>dotnet WebhookSolver.Bench.dll</c> (it starts no server for these).</summary>
public class BenchCommandLineTests
{
    private static readonly string BenchAssembly = typeof(BenchCommandLineTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(attribute => attribute.Key == "BenchAssembly").Value!;

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(BenchAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await errors);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--challenges", "50", "--help")]
    public async Task HelpPrintsTheUsageAndExitsZero(params string[] args)
    {
        var (exitCode, output, errors) = await RunAsync(args);

        exitCode.Should().Be(0, errors);
        output.Should().Contain("Usage: dotnet run -c Release --project bench/WebhookSolver.Bench").And.Contain("--challenges N");
        errors.Should().BeEmpty();
    }

    [Fact]
    public async Task AnUnknownFlagIsAnErrorWithExitCode2()
    {
        var (exitCode, _, errors) = await RunAsync("--no-such-flag");

        exitCode.Should().Be(2);
        errors.Should().StartWith("error: unknown flag --no-such-flag");
    }
}
