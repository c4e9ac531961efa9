using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using WebhookSolver.Hosting;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Hosting;

/// <summary>
/// Start-ups that must not serve: each ends the process within seconds with one line that names the file, port or
/// setting at fault — never a stack trace, and never a server that listens but cannot work.
/// </summary>
public sealed class StartupRefusalTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly string _directory = Directory.CreateTempSubdirectory("startup-").FullName;

    /// <summary>Runs the real host (TLS, health) and fails the test if it has not exited within <see cref="Bound"/>.</summary>
    private static async Task<(int ExitCode, string Errors)> RunAsync(params string[] args)
    {
        using var errors = new StringWriter();
        var run = WebhookHost.RunAsync(args, builder => builder.AddWebhookHosting(), app => app.MapHealth(), errors);
        var finished = await Task.WhenAny(run, Task.Delay(Bound));
        finished.Should().BeSameAs(run, "a start-up that cannot serve must end the process, not keep running");
        return (await run, errors.ToString());
    }

    private static void ShouldBeOneLine(string errors) =>
        errors.TrimEnd().Split('\n').Should().ContainSingle("the failure is one line: {0}", errors);

    private static string PairArguments(string certFile, string keyFile) => $"--tls-cert-file={certFile} --tls-private-key-file={keyFile}";

    public static TheoryData<string, string> BadPairs() => new()
    {
        { "missing certificate", "does not exist" },
        { "missing key", "does not exist" },
        { "certificate path is a directory", "cannot be read" },
        { "garbage certificate", "holds no PEM certificate" },
        { "garbage key", "holds no PEM private key" },
        { "key of another certificate", "does not belong to the certificate" },
    };

    [Theory]
    [MemberData(nameof(BadPairs))]
    public async Task AServingPairThatDoesNotLoadEndsTheProcessWithOneLineNamingTheFile(string pair, string problem)
    {
        using var authority = TestCertificates.CreateAuthority("ca");
        using var leaf = TestCertificates.CreateLeaf(authority, "webhook", TestCertificates.ServerAuth);
        using var other = TestCertificates.CreateLeaf(authority, "other", TestCertificates.ServerAuth);
        var cert = Path.Combine(_directory, "tls.crt");
        var key = Path.Combine(_directory, "tls.key");
        File.WriteAllText(cert, TestCertificates.CertificatePem(leaf));
        File.WriteAllText(key, TestCertificates.PrivateKeyPem(leaf));
        var blamed = cert;
        switch (pair)
        {
            case "missing certificate":
                File.Delete(cert);
                break;
            case "missing key":
                File.Delete(key);
                blamed = key;
                break;
            case "certificate path is a directory":
                File.Delete(cert);
                Directory.CreateDirectory(cert);
                break;
            case "garbage certificate":
                File.WriteAllText(cert, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
                break;
            case "garbage key":
                File.WriteAllText(key, "not a key at all");
                blamed = key;
                break;
            default:
                File.WriteAllText(key, TestCertificates.PrivateKeyPem(other));
                blamed = key;
                break;
        }

        var (exitCode, errors) = await RunAsync(
            ["--local", "--secure-port=0", "--metrics-port=0", .. PairArguments(cert, key).Split(' ')]);

        exitCode.Should().Be(WebhookHost.StartupFailed);
        ShouldBeOneLine(errors);
        errors.Should().StartWith("error: ").And.Contain(blamed).And.Contain(problem);
        errors.Should().NotContain("PRIVATE KEY").And.NotContain(" at ");
    }

    [Fact]
    public async Task LocalModeWithKestrelEndpointConfigurationDoesNotListenOnANonLoopbackAddress()
    {
        var port = Ports.Free();

        var (exitCode, errors) = await RunAsync("--local", "--secure-port=0", "--metrics-port=0", $"--Kestrel:Endpoints:E:Url=http://0.0.0.0:{port}");

        exitCode.Should().Be(WebhookHost.BadUsage);
        ShouldBeOneLine(errors);
        errors.Should().Contain("Kestrel:Endpoints:E").And.Contain("--bind-address");
        // Nothing holds the port on any interface: binding it ourselves succeeds.
        using var probe = new TcpListener(IPAddress.Any, port);
        probe.Invoking(listener => listener.Start()).Should().NotThrow();
    }

    [Fact]
    public void KestrelEndpointConfigurationIsNeverBoundEvenWhenItReachesTheServer()
    {
        var port = Ports.Free();
        using var factory = new WebhookFactory();
        factory.Settings[$"Kestrel:Endpoints:E:Url"] = $"http://0.0.0.0:{port}";

        Uri? address = null;
        var start = () => address = factory.StartOnLoopback();

        // Either refused at start-up, or the endpoint is ignored: the server never listens on it.
        try
        {
            start();
            var addresses = factory.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
            addresses.Should().OnlyContain(a => a.Contains("127.0.0.1", StringComparison.Ordinal));
        }
        catch (InvalidOperationException)
        {
            address.Should().BeNull();
        }

        using var probe = new TcpListener(IPAddress.Any, port);
        probe.Invoking(listener => listener.Start()).Should().NotThrow();
    }

    [Fact]
    public async Task AnIpv4MappedBindAddressIsRefusedWithAMessage()
    {
        var (exitCode, errors) = await RunAsync("--local", "--bind-address", "::ffff:127.0.0.1");

        exitCode.Should().Be(WebhookHost.BadUsage);
        ShouldBeOneLine(errors);
        errors.Should().Contain("--bind-address ::ffff:127.0.0.1").And.Contain("use 127.0.0.1");
    }

    [Theory]
    [InlineData("--secure-port")]
    [InlineData("--metrics-port")]
    public async Task APortInUseEndsTheProcessWithOneLineNamingThePortAndItsFlag(string flag)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var other = flag == "--secure-port" ? "--metrics-port=0" : "--secure-port=0";

        var (exitCode, errors) = await RunAsync("--local", $"{flag}={port}", other);

        exitCode.Should().Be(WebhookHost.StartupFailed);
        ShouldBeOneLine(errors);
        errors.Should().Contain($"port {port} is already in use").And.Contain(flag);
    }

    [Fact]
    public async Task TheSamePortForTlsAndMetricsIsRefused()
    {
        var port = Ports.Free();

        var (exitCode, errors) = await RunAsync("--local", $"--secure-port={port}", $"--metrics-port={port}");

        exitCode.Should().NotBe(0);
        ShouldBeOneLine(errors);
        errors.Should().Contain("--secure-port and --metrics-port are both");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
