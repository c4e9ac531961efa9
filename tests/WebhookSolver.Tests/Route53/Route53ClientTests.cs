using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebhookSolver.Credentials;
using WebhookSolver.Route53;
using WebhookSolver.Solver;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Route53;

public sealed class Route53ClientTests
{
    private static readonly AwsIdentity Identity = new(Route53Harness.Credentials, null);

    public static TheoryData<string> TransientFaults() => ["Throttling", "PriorRequestNotComplete", "ServiceUnavailable", "InternalFailure"];

    private static FakeResponse Fault(string name) => name switch
    {
        "Throttling" => FakeRoute53.Throttling,
        "PriorRequestNotComplete" => FakeRoute53.PriorRequestNotComplete,
        "ServiceUnavailable" => FakeRoute53.ServiceUnavailable,
        _ => FakeRoute53.InternalFailure,
    };

    [Theory]
    [MemberData(nameof(TransientFaults))]
    public async Task TransientErrorsAreRetriedUntilTheCallSucceeds(string fault)
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.FailNext("ListResourceRecordSets", Fault(fault), times: 3);

        var page = await harness.Get<Route53Client>().ListResourceRecordSetsAsync(Identity, zone, "example.com.", "TXT", null, CancellationToken.None);

        page.RecordSets.Should().BeEmpty();
        harness.Fake.Calls("ListResourceRecordSets").Should().Be(4);
    }

    [Fact]
    public async Task ASlowAnswerIsAbandonedAfterTheAttemptTimeoutAndRetried()
    {
        await using var harness = await Route53Harness.StartAsync(new() { ["Route53:AttemptTimeout"] = "00:00:00.200" });
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.FailNext("ListResourceRecordSets", new FakeResponse(200, "", "") { Delay = TimeSpan.FromSeconds(5) });

        await harness.Get<Route53Client>().ListResourceRecordSetsAsync(Identity, zone, "example.com.", "TXT", null, CancellationToken.None);

        harness.Fake.Calls("ListResourceRecordSets").Should().Be(2);
    }

    [Fact]
    public async Task WhenTheDeadlineEndsDuringRetriesTheLastTransientCauseIsReported()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Inject((_, _) => FakeRoute53.Throttling);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(1000));

        var call = () => harness.Get<Route53Client>().ListResourceRecordSetsAsync(Identity, zone, "example.com.", "TXT", null, deadline.Token);

        (await call.Should().ThrowAsync<Route53Exception>()).Which.Message.Should().Be(
            "Route53 is throttling ListResourceRecordSets (the API rate limit of the AWS account, shared by every tool using it); cert-manager will retry");
        harness.Fake.Calls("ListResourceRecordSets").Should().BeGreaterThan(2);
    }

    [Fact]
    public async Task ConnectionFailuresAreRetriedAndReportedWithoutAddressDetails()
    {
        await using var harness = await Route53Harness.StartAsync(new() { ["Route53:Endpoint"] = "http://127.0.0.1:1/" });
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(1000));

        var call = () => harness.Get<Route53Client>().GetChangeAsync(Identity, "C1", deadline.Token);

        var error = (await call.Should().ThrowAsync<Route53Exception>()).Which;
        error.Code.Should().Be(Route53Exception.ConnectionFailedCode);
        error.Message.Should().StartWith("could not connect to Route53 for GetChange (ConnectionError reaching 127.0.0.1)");
    }

    public static TheoryData<string, string, string> PermanentErrors() => new()
    {
        { "AccessDenied", "AccessDenied", "Route53 denied ListResourceRecordSets on hosted zone {zone}: allow the action route53:ListResourceRecordSets for " +
            "this AWS identity in its IAM policy*" },
        { "NoSuchHostedZone", "NoSuchHostedZone", "hosted zone ZMISSING does not exist in the AWS account of these credentials: correct hostedZoneID*" },
        { "UnknownKey", "InvalidClientTokenId", "AWS does not recognise the access key id*" },
        { "WrongSecret", "SignatureDoesNotMatch", "AWS rejected the request signature: the secret access key does not belong to the access key id*" },
    };

    [Theory]
    [MemberData(nameof(PermanentErrors))]
    public async Task PermanentErrorsAreNotRetriedAndSayWhatToFix(string situation, string code, string message)
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        var identity = Identity;
        switch (situation)
        {
            case "AccessDenied":
                harness.Fake.FailNext("ListResourceRecordSets", FakeRoute53.AccessDenied("ListResourceRecordSets", zone));
                break;
            case "NoSuchHostedZone":
                zone = "ZMISSING";
                break;
            case "UnknownKey":
                identity = new AwsIdentity(new ImmutableCredentials("AKIDUNKNOWN000000000", "x", null), null);
                break;
            case "WrongSecret":
                identity = new AwsIdentity(new ImmutableCredentials(Route53Harness.AccessKey, "wrong", null), null);
                break;
        }

        var call = () => harness.Get<Route53Client>().ListResourceRecordSetsAsync(identity, zone, "example.com.", "TXT", null, CancellationToken.None);

        var error = (await call.Should().ThrowAsync<Route53Exception>()).Which;
        error.Code.Should().Be(code);
        error.IsRetryable.Should().BeFalse();
        error.Message.Should().Match(message.Replace("{zone}", zone, StringComparison.Ordinal));
        harness.Fake.Server.Requests.Should().HaveCount(1);
    }

    [Fact]
    public async Task ErrorMessagesAreByteForByteIdenticalAcrossRetriesOfTheSameCause()
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Inject((_, _) => FakeRoute53.AccessDenied("ChangeResourceRecordSets", zone));
        var client = harness.Get<Route53Client>();
        var change = new Change(ChangeAction.Create, new ResourceRecordSet("a.example.com.", "TXT", 10, ["\"x\""]));

        var first = await Record.ExceptionAsync(() => client.ChangeResourceRecordSetsAsync(Identity, zone, [change], CancellationToken.None));
        var second = await Record.ExceptionAsync(() => client.ChangeResourceRecordSetsAsync(Identity, zone, [change], CancellationToken.None));

        first!.Message.Should().Be(second!.Message);
        first.Message.Should().NotContainAny("RequestId", "request id");
    }

    public static TheoryData<string, string, string, bool> ErrorBodies() => new()
    {
        {
            "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate " +
                "exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>",
            "Throttling", "None", true
        },
        {
            "<InvalidChangeBatch xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Messages><Message>Tried to delete resource record set " +
                "[name='a.example.com.', type='TXT'] but it was not found</Message></Messages><RequestId>r2</RequestId></InvalidChangeBatch>",
            "InvalidChangeBatch", "NotFound", false
        },
        {
            "<InvalidChangeBatch xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Messages><Message>Tried to delete resource record set " +
                "[name='a.example.com.', type='TXT'] but the values provided do not match the current values</Message></Messages></InvalidChangeBatch>",
            "InvalidChangeBatch", "ValuesChanged", false
        },
        {
            "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code><Message>[Tried " +
                "to create resource record set [name='a.example.com.', type='TXT'] but it already " +
                "exists]</Message></Error><RequestId>r3</RequestId></ErrorResponse>",
            "InvalidChangeBatch", "AlreadyExists", false
        },
        {
            "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code><Message>[RRSet " +
                "with DNS name a.example.com., type TXT, SetIdentifier \"x\" cannot be created because a non multivalue answer rrset exists with the same " +
                "name and type.]</Message></Error></ErrorResponse>",
            "InvalidChangeBatch", "ShapeChanged", false
        },
        {
            "<InvalidChangeBatch xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Messages><Message>Tried to create resource record set " +
                "[name='a.example.com.', type='TXT'] but it already exists</Message><Message>RRSet with DNS name b.example.org. is not permitted in zone " +
                "example.com.</Message></Messages></InvalidChangeBatch>",
            "InvalidChangeBatch", "None", false
        },
    };

    [Theory]
    [MemberData(nameof(ErrorBodies))]
    public async Task BothErrorShapesAreParsedIntoTypedErrors(string body, string code, string conflict, bool retryable)
    {
        await using var harness = await Route53Harness.StartAsync();
        var zone = harness.Fake.AddZone("example.com");
        harness.Fake.Inject((_, _) => new FakeResponse(400, body, "text/xml"));
        var change = new Change(ChangeAction.Create, new ResourceRecordSet("a.example.com.", "TXT", 10, ["\"x\""]));
        // Long enough for a first answer on a loaded machine; retryable codes are retried until it ends.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));

        var error = (Route53Exception)(await Record.ExceptionAsync(() =>
            harness.Get<Route53Client>().ChangeResourceRecordSetsAsync(Identity, zone, [change], deadline.Token)))!;

        error.Code.Should().Be(code);
        error.Conflict.ToString().Should().Be(conflict);
        error.IsRetryable.Should().Be(retryable);
        error.Message.Should().NotContain("r1").And.NotContain("r2").And.NotContain("r3");
    }

    [Theory]
    [InlineData(null, "https://route53.amazonaws.com/", "us-east-1")]
    [InlineData("", "https://route53.amazonaws.com/", "us-east-1")]
    [InlineData("eu-west-1", "https://route53.amazonaws.com/", "us-east-1")]
    [InlineData("cn-north-1", "https://route53.amazonaws.com.cn/", "cn-northwest-1")]
    [InlineData("cn-northwest-1", "https://route53.amazonaws.com.cn/", "cn-northwest-1")]
    [InlineData("us-gov-east-1", "https://route53.us-gov.amazonaws.com/", "us-gov-west-1")]
    [InlineData("us-gov-west-1", "https://route53.us-gov.amazonaws.com/", "us-gov-west-1")]
    public void TheRegionChoosesThePartitionEndpointAndSigningRegion(string? region, string endpoint, string signingRegion)
    {
        var partition = Route53Partition.ForRegion(region);

        partition.Endpoint.ToString().Should().Be(endpoint);
        partition.SigningRegion.Should().Be(signingRegion);
    }

    [Theory]
    [InlineData("cn-north-1", "cn-northwest-1", true)]
    [InlineData("us-gov-east-1", "us-gov-west-1", true)]
    [InlineData(null, "us-east-1", true)]
    [InlineData("us-west-2", "cn-northwest-1", false)]
    public async Task RequestsAreSignedForThePartitionsSigningRegionEvenWithAnEndpointOverride(string? region, string fakeRegion, bool accepted)
    {
        await using var harness = await Route53Harness.StartAsync(signingRegion: fakeRegion);
        var identity = new AwsIdentity(Route53Harness.Credentials, region);

        var error = await Record.ExceptionAsync(() => harness.Get<Route53Client>().GetChangeAsync(identity, "C1", CancellationToken.None));

        if (accepted)
        {
            error.Should().BeOfType<Route53Exception>().Which.Code.Should().Be("NoSuchChange");
        }
        else
        {
            error.Should().BeOfType<Route53Exception>().Which.Code.Should().Be("SignatureDoesNotMatch");
        }
    }

    [Theory]
    [InlineData("http://option/", "http://service/", "http://global/", "http://option/")]
    [InlineData(null, "http://service/", "http://global/", "http://service/")]
    [InlineData(null, null, "http://global/", "http://global/")]
    [InlineData(null, "", "http://global/", "http://global/")]
    [InlineData(null, null, null, null)]
    public void TheEndpointOverrideIsTheOptionThenAwsEndpointUrlRoute53ThenAwsEndpointUrl(
        string? option, string? serviceVariable, string? globalVariable, string? expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Route53:Endpoint"] = option,
            ["AWS_ENDPOINT_URL_ROUTE53"] = serviceVariable,
            ["AWS_ENDPOINT_URL"] = globalVariable,
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddRoute53Solver(configuration).BuildServiceProvider();

        services.GetRequiredService<IOptions<Route53Options>>().Value.Endpoint.Should().Be(expected);
    }

    [Theory]
    [InlineData("http://service/", "http://service/")]
    [InlineData(null, "http://section/")]
    public void TheAwsSectionsServiceUrlComesAfterAwsEndpointUrlRoute53AndBeforeAwsEndpointUrl(string? serviceVariable, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_ROUTE53"] = serviceVariable,
            ["AWS:ServiceURL"] = "http://section/",
            ["AWS_ENDPOINT_URL"] = "http://global/",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddRoute53Solver(configuration).BuildServiceProvider();

        services.GetRequiredService<IOptions<Route53Options>>().Value.Endpoint.Should().Be(expected);
    }

    [Fact]
    public async Task ChangeRequestsUseThe20130401NamespaceAndAreSignedWithTheSessionToken()
    {
        await using var harness = await Route53Harness.StartAsync();
        harness.Fake.AddCredentials("ASIASESSION", "session-secret", "session-token");
        var zone = harness.Fake.AddZone("example.com");
        var identity = new AwsIdentity(new ImmutableCredentials("ASIASESSION", "session-secret", "session-token"), null);
        var change = new Change(ChangeAction.Create, new ResourceRecordSet("_acme-challenge.example.com.", "TXT", 10, ["\"x\""]));

        var info = await harness.Get<Route53Client>().ChangeResourceRecordSetsAsync(identity, zone, [change], CancellationToken.None);

        info.Status.Should().Be(ChangeInfo.Pending);
        info.Id.Should().NotStartWith("/change/");
        var request = harness.Fake.Server.Requests.Single();
        request.BodyText.Should().Contain("<ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">");
        request.Header("x-amz-security-token").Should().Be("session-token");
        request.Header("authorization").Should().Contain("x-amz-security-token");
    }
}
