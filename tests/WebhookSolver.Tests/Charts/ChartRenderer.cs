using System.Diagnostics;

namespace WebhookSolver.Tests.Charts;

/// <summary>
/// Renders the chart as <c>helm template</c> does: with <c>helm</c> itself when it is on PATH, otherwise with
/// <c>.ci/chart-render</c> (the same command line, built from Debian's Go packages). <c>CHART_RENDERER</c> names
/// an already built renderer (<c>.ci/run</c> builds it once); without it the renderer is built here, once per run.
/// </summary>
internal static class ChartRenderer
{
    private static readonly Lazy<(string Path, bool IsHelm)> Tool = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    public static bool IsHelm => Tool.Value.IsHelm;

    public static string Name => IsHelm ? "helm" : "chart-render";

    /// <summary><c>template RELEASE CHART --namespace NS ARGS...</c>; values files are written from YAML texts.</summary>
    public static RenderResult Template(string release, string @namespace, string? valuesYaml = null, params string[] args)
    {
        var arguments = new List<string> { "template", release, ChartFiles.ChartDirectory, "--namespace", @namespace };
        string? valuesFile = null;
        if (valuesYaml is not null)
        {
            valuesFile = Path.Combine(Path.GetTempPath(), $"chart-values-{Guid.NewGuid():N}.yaml");
            File.WriteAllText(valuesFile, valuesYaml);
            arguments.AddRange(["--values", valuesFile]);
        }

        arguments.AddRange(args);
        try
        {
            return Run(Tool.Value.Path, arguments);
        }
        finally
        {
            if (valuesFile is not null)
            {
                File.Delete(valuesFile);
            }
        }
    }

    /// <summary><c>helm lint --strict</c> where helm exists; otherwise a render that fails on a missing map key, as lint --strict does.</summary>
    public static RenderResult Lint(params string[] args) => IsHelm
        ? Run(Tool.Value.Path, ["lint", "--strict", ChartFiles.ChartDirectory, .. args])
        : Run(Tool.Value.Path, ["template", "lint-release", ChartFiles.ChartDirectory, "--strict", .. args]);

    private static (string, bool) Locate()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var helm = Path.Combine(directory, "helm");
            if (File.Exists(helm))
            {
                return (helm, true);
            }
        }

        if (Environment.GetEnvironmentVariable("CHART_RENDERER") is { Length: > 0 } built)
        {
            File.Exists(built).Should().BeTrue($"CHART_RENDERER names {built}");
            return (built, false);
        }

        var output = Path.Combine(Path.GetTempPath(), $"chart-render-{Environment.ProcessId}", "chart-render");
        var build = Run("bash", [Path.Combine(ChartFiles.RepoRoot, ".ci", "chart-render", "build.sh"), output], TimeSpan.FromMinutes(5));
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException(
                "Neither helm nor a chart renderer is available and building .ci/chart-render failed (bash .ci/run installs golang-go and the libraries): "
                + build.Error + build.Output);
        }

        return (output, false);
    }

    private static RenderResult Run(string executable, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', arguments)} did not finish");
        }

        return new RenderResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}

internal sealed record RenderResult(int ExitCode, string Output, string Error);
