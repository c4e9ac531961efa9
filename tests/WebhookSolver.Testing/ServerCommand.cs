using System.Diagnostics;

namespace WebhookSolver.Testing;

/// <summary>
/// The built server (<c>dotnet WebhookSolver.dll</c>) as an operator starts it: its own process, console and working
/// directory, an environment with nothing of AWS or Kubernetes in it. For what only a real process shows: what reaches
/// the console, which directory it reads. <c>WEBHOOK_SERVER</c> names another build to run instead — the executable
/// build/publish.sh makes (CI runs these tests against the Native AOT publish that way) or another WebhookSolver.dll.
/// </summary>
internal static class ServerCommand
{
    public const string ServerVariable = "WEBHOOK_SERVER";

    public static string Assembly { get; } = Path.Combine(AppContext.BaseDirectory, "WebhookSolver.dll");

    /// <summary>What runs: <see cref="Assembly"/>, or the build <see cref="ServerVariable"/> names.</summary>
    public static string Server { get; } = Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } other ? Path.GetFullPath(other) : Assembly;

    /// <param name="environment">variables set on top of the cleaned environment</param>
    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var managed = Server.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(managed ? "dotnet" : Server)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (managed)
        {
            start.ArgumentList.Add(Server);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys
                     .Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("KUBERNETES_", StringComparison.Ordinal)
                                 || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("POD_", StringComparison.Ordinal)
                                 || k == "DOTNET_ENVIRONMENT" || k.StartsWith("Webhook__", StringComparison.OrdinalIgnoreCase)
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
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>Runs the server until it exits by itself; one that is still running after <paramref name="timeout"/> is killed and fails the test.</summary>
    public static async Task<ServerRun> RunToExitAsync(string workingDirectory, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args)) ?? throw new InvalidOperationException($"could not start {Server}");
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
