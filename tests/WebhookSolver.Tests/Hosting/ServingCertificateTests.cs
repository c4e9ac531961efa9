using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using WebhookSolver.Hosting;

namespace WebhookSolver.Tests.Hosting;

public sealed class ServingCertificateTests
{
    [Fact]
    public void TheSelfSignedCertificateIsDatedByTheInjectedClock()
    {
        var now = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var time = new FakeTimeProvider(now);
        var options = Microsoft.Extensions.Options.Options.Create(new WebhookOptions { Local = true });

        using var certificate = new ServingCertificate(options, time, NullLogger<ServingCertificate>.Instance);

        certificate.Current!.NotBefore.ToUniversalTime().Should().Be(now.UtcDateTime.AddMinutes(-5));
        certificate.Current.NotAfter.ToUniversalTime().Should().Be(now.UtcDateTime.AddDays(30));
    }
}
