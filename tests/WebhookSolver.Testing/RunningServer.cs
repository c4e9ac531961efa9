using System.Diagnostics;

namespace WebhookSolver.Testing;

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

    /// <param name="environment">variables set on top of the cleaned environment (<see cref="ServerCommand.StartInfo"/>)</param>
    public static RunningServer Start(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = Process.Start(ServerCommand.StartInfo(workingDirectory, args, environment))
            ?? throw new InvalidOperationException($"could not start {ServerCommand.Server}");
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

                throw new InvalidOperationException($"the server exited with " +
                    $"code {_process.ExitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, Lines)}");
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
