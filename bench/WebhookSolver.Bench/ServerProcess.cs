using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using WebhookSolver.Testing;

namespace WebhookSolver.Bench;

/// <summary>
/// The webhook server under test, as a separate process started with <c>dotnet WebhookSolver.dll --local</c> (or the
/// published Native AOT executable, <c>WebhookSolver --local</c>), so that its memory and CPU are its own and every
/// request crosses real HTTPS.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    public const string AccessKey = "AKIDBENCHMARK0000000";
    public const string SecretKey = "bench-secret-key";
    private const int KeptLines = 40;

    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    /// <summary>The server's last lines of output, for a failure message.</summary>
    public string Tail
    {
        get
        {
            lock (_lastLines)
            {
                return string.Join(Environment.NewLine, _lastLines);
            }
        }
    }

    public static string LocateAssembly(string? configured)
    {
        var candidates = new[]
        {
            configured,
            typeof(ServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "ServerAssembly")?.Value,
            Path.Combine(AppContext.BaseDirectory, "WebhookSolver.dll"),
        };
        return candidates.FirstOrDefault(path => path is not null && File.Exists(path))
            ?? throw new InvalidOperationException(
                "WebhookSolver.dll not found: build the solution (dotnet build -c Release WebhookSolver.sln) or pass --server <path to WebhookSolver.dll or " +
                    "to the executable build/publish.sh makes>");
    }

    /// <summary>Starts the server with <paramref name="flags"/> against <paramref name="route53"/> and waits until it answers.</summary>
    /// <param name="local">false: as in a cluster (TLS files, front-proxy trust and the API server come with the flags)</param>
    /// <param name="environment">more variables, such as the pod's name and namespace</param>
    public static async Task<ServerProcess> StartAsync(
        string assembly, Uri route53, IEnumerable<string> flags, HttpClient http, bool local = true, IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = Ports.Free();
        // An assembly runs under dotnet; anything else is the published executable and runs as it is.
        var managed = assembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(managed ? "dotnet" : Path.GetFullPath(assembly))
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(assembly))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (managed)
        {
            start.ArgumentList.Add(assembly);
        }

        foreach (var arg in (local ? ["--local"] : Array.Empty<string>()).Concat(
                 [
                     "--secure-port", port.ToString(CultureInfo.InvariantCulture), "--metrics-port", "0",
                     $"--Route53:Endpoint={route53}",
                 ]).Concat(flags))
        {
            start.ArgumentList.Add(arg);
        }

        // Ambient keys for the fake, and nothing from the machine: no profile, no instance metadata, no other endpoint.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)
            || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("POD_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = SecretKey;
        start.Environment["AWS_REGION"] = "us-east-1";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopQuietly(process);
        var server = new ServerProcess(process, new Uri($"https://127.0.0.1:{port}/"));
        var ready = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {process.ExitCode} while starting:{Environment.NewLine}{server.Tail}");
            }

            try
            {
                using var answer = await http.GetAsync(new Uri(server.BaseAddress, "healthz"));
                if (answer.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (ready.Elapsed > TimeSpan.FromSeconds(60))
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"the server did not answer /healthz within 60s:{Environment.NewLine}{server.Tail}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Resident set size now and its peak (VmRSS, VmHWM) in MiB; NaN where /proc is not available.</summary>
    public (double Rss, double Peak) Memory()
    {
        try
        {
            var lines = File.ReadAllLines($"/proc/{_process.Id}/status");
            return (Field(lines, "VmRSS:"), Field(lines, "VmHWM:"));
        }
        catch (IOException)
        {
            return (double.NaN, double.NaN);
        }
    }

    private static double Field(string[] lines, string name)
    {
        var line = lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        return line is null
            ? double.NaN
            : long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > KeptLines)
            {
                _lastLines.Dequeue();
            }
        }
    }

    /// <summary>When the benchmark is interrupted, its server must not outlive it.</summary>
    private static void StopQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
