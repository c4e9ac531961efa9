using WebhookSolver.Route53;

namespace WebhookSolver.Tests.Route53;

public sealed class TxtValueTests
{
    [Theory]
    [InlineData("abc", "\"abc\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData("back\\slash", "\"back\\\\slash\"")]
    [InlineData("", "\"\"")]
    public void QuoteWritesOneQuotedStringWithQuotesAndBackslashesEscaped(string text, string expected) =>
        TxtValue.Quote(text).Should().Be(expected);

    [Fact]
    public void QuoteSplitsTextLongerThan255CharactersIntoSeveralStrings()
    {
        var text = new string('a', 300);

        TxtValue.Quote(text).Should().Be($"\"{new string('a', 255)}\" \"{new string('a', 45)}\"");
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("abc", "abc")]
    [InlineData("\"ab\" \"c\"", "abc")]
    [InlineData("\"say \\\"hi\\\"\"", "say \"hi\"")]
    [InlineData("\"caf\\303\\251\"", "caf\u00c3\u00a9")]
    public void UnquoteReadsTheTextResolversSee(string value, string expected) =>
        TxtValue.Unquote(value).Should().Be(expected);

    [Fact]
    public void QuotedValuesReadBackToTheirText()
    {
        var text = "k\"ey\\" + new string('x', 400);

        TxtValue.Publishes(TxtValue.Quote(text), text).Should().BeTrue();
    }
}
