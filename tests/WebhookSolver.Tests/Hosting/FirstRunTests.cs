using System.Diagnostics;
using WebhookSolver.Hosting;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Hosting;

/// <summary>What an operator sees when starting the built server by hand, outside a cluster.</summary>
[Trait("Server", "Process")]
public class FirstRunTests
{
    private static string[] ServingFlags(WorkingDirectory directory)
    {
        using var authority = TestCertificates.CreateAuthority("first-run-ca");
        using var leaf = TestCertificates.CreateLeaf(authority, "webhook", TestCertificates.ServerAuth);
        return
        [
            "--group-name=acme.example.com", "--secure-port=0", "--bind-address=127.0.0.1", "--metrics-port=0",
            $"--tls-cert-file={directory.Write("tls.crt", TestCertificates.CertificatePem(leaf))}",
            $"--tls-private-key-file={directory.Write("tls.key", TestCertificates.PrivateKeyPem(leaf))}",
        ];
    }

    [Fact]
    public async Task OutsideAClusterTheServerStopsWithOneLineAndNoStackTrace()
    {
        using var directory = new WorkingDirectory();

        var run = await ServerCommand.RunToExitAsync(directory.Path, ServingFlags(directory));

        run.ExitCode.Should().Be(WebhookHost.StartupFailed, run.All);
        run.ErrorLines.Should().ContainSingle().Which.Should()
            .StartWith("error: cannot obtain the front-proxy (requestheader) trust")
            .And.Contain("not running in a Kubernetes cluster")
            .And.Contain("--kubeconfig")
            .And.NotContain("rolebinding", "outside a cluster an RBAC hint misleads");
        run.All.Should().NotContain("   at ").And.NotContain("Exception:").And.NotContain("Hosting failed to start");
    }

    [Fact]
    public async Task AKubeconfigThatDoesNotExistIsOneLineNamingTheFile()
    {
        using var directory = new WorkingDirectory();
        var missing = Path.Combine(directory.Path, "no-such-kubeconfig");

        var run = await ServerCommand.RunToExitAsync(directory.Path, [.. ServingFlags(directory), $"--kubeconfig={missing}"]);

        run.ExitCode.Should().Be(WebhookHost.BadUsage, run.All);
        run.ErrorLines.Should().Equal($"error: --kubeconfig {missing} does not exist: give the path of a kubeconfig file, or leave " +
            "the flag out inside a cluster");
        run.All.Should().NotContain("   at ");
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: Config\nusers: [ {name: planted-secret-7f3a\n")]
    [InlineData("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]\n" +
        "users: [{name: u, user: {client-certificate-data: cGxhbnRlZC1zZWNyZXQtN2YzYQ==, client-key-data: cGxhbnRlZC1zZWNyZXQtN2YzYQ==}}]\n" +
        "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n")]
    public async Task AnUnusableKubeconfigIsOneLineNamingTheFileWithoutItsContent(string content)
    {
        using var directory = new WorkingDirectory();
        var kubeconfig = directory.Write("kubeconfig", content);

        var run = await ServerCommand.RunToExitAsync(directory.Path, [.. ServingFlags(directory), $"--kubeconfig={kubeconfig}"]);

        run.ExitCode.Should().Be(WebhookHost.StartupFailed, run.All);
        run.ErrorLines.Should().ContainSingle().Which.Should().Contain($"--kubeconfig {kubeconfig} is not a usable kubeconfig");
        run.All.Should().NotContain("planted-secret-7f3a").And.NotContain("   at ");
    }

    [Fact]
    public async Task AppsettingsJsonIsReadFromTheWorkingDirectory()
    {
        using var directory = new WorkingDirectory();
        directory.Write("appsettings.json", """{ "Webhook": { "LogFormat": "xml", "ChallengeTimeout": "30s" } }""");

        var run = await ServerCommand.RunToExitAsync(directory.Path, ["--local", "--secure-port=0", "--metrics-port=0"]);

        run.ExitCode.Should().Be(WebhookHost.BadUsage, run.All);
        run.ErrorLines.Should().Equal("error: --log-format must be 'text' or 'json', got 'xml'");
    }
}

/// <summary>The Quick start's <c>dotnet run</c>: apart, because it runs MSBuild.</summary>
public class DotnetRunTests
{
    [Fact]
    public async Task DotnetRunStartsTheServerInTheDirectoryItIsTypedIn()
    {
        using var directory = new WorkingDirectory();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "msbuild", TestData.RepositoryFile("src/WebhookSolver/WebhookSolver.csproj"), "-getProperty:RunWorkingDirectory",
            "-nologo" })
        {
            start.ArgumentList.Add(arg);
        }

        using var msbuild = Process.Start(start)!;
        var output = await msbuild.StandardOutput.ReadToEndAsync();
        await msbuild.WaitForExitAsync();

        msbuild.ExitCode.Should().Be(0, await msbuild.StandardError.ReadToEndAsync());
        Path.TrimEndingDirectorySeparator(output.Trim()).Should().Be(directory.Path, "dotnet run uses RunWorkingDirectory as the server's working directory");
    }
}
