using System.Diagnostics;

namespace WebhookSolver.Testing;

/// <summary>
/// The built server (<c>dotnet WebhookSolver.dll</c>) as an operator starts it: its own process, console and working
/// directory, an environment with nothing of AWS or Kubernetes in it. For what only a real process shows: what reaches
/// the console, which directory it reads.
/// </summary>
internal static class ServerCommand
{
    public static string Assembly { get; } = Path.Combine(AppContext.BaseDirectory, "WebhookSolver.dll");

    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys
                     .Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("KUBERNETES_", StringComparison.Ordinal)
                                 || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k == "DOTNET_ENVIRONMENT"
                                 || k.StartsWith("Webhook__", StringComparison.OrdinalIgnoreCase)
                                     || k.StartsWith("Route53__", StringComparison.OrdinalIgnoreCase))
                     .ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["HOME"] = workingDirectory;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return start;
    }

    /// <summary>Runs the server until it exits by itself; one that is still running after <paramref name="timeout"/> is killed and fails the test.</summary>
    public static async Task<ServerRun> RunToExitAsync(string workingDirectory, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args)) ?? throw new InvalidOperationException("could not start dotnet");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the server did not exit; it printed:{Environment.NewLine}{await output}{await errors}");
        }

        return new ServerRun(process.ExitCode, await output, await errors);
    }
}
