using System.Diagnostics;
using System.Text;

namespace WebhookSolver.Testing;

/// <summary>What a run of the server printed, and how it ended.</summary>
internal sealed record ServerRun(int ExitCode, string Output, string Errors)
{
    /// <summary>Standard output and standard error, as a terminal shows them.</summary>
    public string All => Output + Errors;

    public IReadOnlyList<string> ErrorLines => Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

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
                                 || k.StartsWith("Webhook__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Route53__", StringComparison.OrdinalIgnoreCase))
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

/// <summary>A temporary working directory, removed afterwards.</summary>
internal sealed class WorkingDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("workdir-").FullName;

    public string Write(string name, string content)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A server process left running: its output lines as they come, ended on dispose.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly SemaphoreSlim _arrived = new(0);

    private RunningServer(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static RunningServer Start(string workingDirectory, IEnumerable<string> args)
    {
        var process = Process.Start(ServerCommand.StartInfo(workingDirectory, args)) ?? throw new InvalidOperationException("could not start dotnet");
        process.StandardInput.Close();
        return new RunningServer(process);
    }

    /// <summary>Everything printed so far, standard output and standard error interleaved.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The first line that matches, waiting for it up to <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> matches, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (Lines.FirstOrDefault(matches) is { } line)
            {
                return line;
            }

            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                if (Lines.FirstOrDefault(matches) is { } last)
                {
                    return last;
                }

                throw new InvalidOperationException($"the server exited with code {_process.ExitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, Lines)}");
            }

            try
            {
                await _arrived.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no such line; the server printed:{Environment.NewLine}{string.Join(Environment.NewLine, Lines)}");
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }

        _arrived.Release();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _arrived.Dispose();
    }
}
