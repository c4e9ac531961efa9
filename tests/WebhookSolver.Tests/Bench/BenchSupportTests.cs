using System.Xml.Linq;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using Microsoft.Extensions.Time.Testing;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Bench;

public sealed class BenchSupportTests
{
    [Fact]
    public void Token_bucket_allows_the_burst_then_one_call_per_refilled_token()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 5, burst: 5, clock);

        Enumerable.Range(0, 5).Select(_ => bucket.TryTake()).ToList().Should().AllSatisfy(taken => taken.Should().BeTrue());
        bucket.TryTake().Should().BeFalse("the burst is spent and no time has passed");

        clock.Advance(TimeSpan.FromMilliseconds(199));
        bucket.TryTake().Should().BeFalse("a token takes 200 ms at 5 per second");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        bucket.TryTake().Should().BeTrue();
        bucket.TryTake().Should().BeFalse();

        clock.Advance(TimeSpan.FromMinutes(1));
        Enumerable.Range(0, 6).Count(_ => bucket.TryTake()).Should().Be(5, "an idle bucket refills to the burst, never beyond");
    }

    [Fact]
    public async Task Throttled_fake_answers_Route53s_Throttling_error_beyond_the_rate_and_counts_it()
    {
        await using var fake = await FakeRoute53.StartAsync();
        fake.AddCredentials(Route53Harness.AccessKey, Route53Harness.SecretKey);
        var clock = new FakeTimeProvider();
        var throttle = FakeRoute53Throttle.Attach(fake, ratePerSecond: 5, burst: 2, clock);
        using var http = new HttpClient();

        var statuses = new List<(int Status, string? Code)>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add(await ListZonesAsync(http, fake.Endpoint));
        }

        statuses.Should().Equal((200, null), (200, null), (400, "Throttling"));
        throttle.Throttled.Should().Be(1);
        throttle.Admitted.Should().Be(2);
        fake.Calls("ListHostedZonesByName").Should().Be(3, "a throttled call still reaches the service and counts");

        clock.Advance(TimeSpan.FromMilliseconds(200));
        (await ListZonesAsync(http, fake.Endpoint)).Should().Be((200, null));
    }

    [Fact]
    public void Percentile_is_the_nearest_rank_sample()
    {
        double[] samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];

        LatencyStatistics.Percentile(samples, 50).Should().Be(5);
        LatencyStatistics.Percentile(samples, 90).Should().Be(9);
        LatencyStatistics.Percentile(samples, 99).Should().Be(10);
        LatencyStatistics.Percentile(samples, 100).Should().Be(10);
        LatencyStatistics.Percentile(samples, 0).Should().Be(1);
        LatencyStatistics.Percentile(Enumerable.Range(1, 1000).Select(i => (double)i).ToArray(), 99).Should().Be(990);
        LatencyStatistics.Percentile([42], 99).Should().Be(42);
        LatencyStatistics.Percentile([], 50).Should().Be(double.NaN);
    }

    [Fact]
    public void Ratio_is_how_many_times_smaller_the_measured_figure_is()
    {
        LatencyStatistics.Ratio(1500, 100).Should().Be(15);
        LatencyStatistics.Ratio(10, 0).Should().Be(double.NaN);
    }

    /// <summary>A signed ListHostedZonesByName, as the server's client sends it.</summary>
    private static async Task<(int Status, string? Code)> ListZonesAsync(HttpClient http, Uri endpoint)
    {
        var uri = new Uri(endpoint, "/2013-04-01/hostedzonesbyname?maxitems=10");
        var signed = await AWSSigV4Signer.SignAsync(new AWSSigningRequest { HttpMethod = HttpMethod.Get, RequestUri = uri }, new AWSSigV4Parameters
        {
            Credentials = new BasicAWSCredentials(Route53Harness.AccessKey, Route53Harness.SecretKey),
            Region = RegionEndpoint.USEast1,
            Service = "route53",
            SignedAt = DateTime.UtcNow,
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var (name, value) in signed.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var code = response.IsSuccessStatusCode ? null : XDocument.Parse(body).Descendants().First(e => e.Name.LocalName == "Code").Value;
        return ((int)response.StatusCode, code);
    }
}
