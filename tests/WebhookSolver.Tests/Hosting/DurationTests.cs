using WebhookSolver.Hosting;

namespace WebhookSolver.Tests.Hosting;

public class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h2m3.5s", 3_723_500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    [InlineData("-2s", -2_000)]
    [InlineData("00:01:30", 90_000)]
    [InlineData("00:00:00.050", 50)]
    [InlineData("1.00:00:00", 86_400_000)]
    [InlineData(" 5m ", 300_000)]
    public void BothSyntaxesAreRead(string text, long milliseconds)
    {
        Duration.TryParse(text, out var duration).Should().BeTrue();

        duration.Should().Be(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("soon")]
    [InlineData("10x")]
    [InlineData("5mins")]
    [InlineData("s")]
    [InlineData("-")]
    [InlineData("1..5s")]
    [InlineData("99999999999999999999999h")]
    [InlineData("25:99:00")]
    public void AnythingElseIsRefused(string text)
    {
        Duration.TryParse(text, out _).Should().BeFalse();
    }

    [Fact]
    public void FormatGivesWhatTheConfigurationBinderReads()
    {
        Duration.Format(TimeSpan.FromMilliseconds(1500)).Should().Be("00:00:01.5000000");
        TimeSpan.Parse(Duration.Format(TimeSpan.FromMinutes(90)), System.Globalization.CultureInfo.InvariantCulture)
            .Should().Be(TimeSpan.FromMinutes(90));
    }
}
