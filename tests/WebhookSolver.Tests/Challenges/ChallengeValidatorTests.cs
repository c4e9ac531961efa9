using WebhookSolver.Challenges;
using WebhookSolver.Testing;

namespace WebhookSolver.Tests.Challenges;

public sealed class ChallengeValidatorTests
{
    private static ChallengeRequest Valid() => Route53Harness.Challenge("dGVzdC1rZXktdmFsdWUtNDMtY2hhcnMtbG9uZy0wMTIzNDU") with
    {
        DnsName = "*.example.com",
    };

    [Fact]
    public void WhatCertManagerSendsIsValid()
    {
        ChallengeValidator.Problem(Valid()).Should().BeNull();
        ChallengeValidator.Problem(Valid() with { ResolvedFQDN = "_acme-challenge.Sub_Domain.example.com", ResolvedZone = "example.com" })
            .Should().BeNull("labels may hold '_' and names need no trailing dot");
    }

    [Theory]
    [InlineData("dnsName", "ex\u0000ample.com", "request.dnsName is not a DNS name")]
    [InlineData("dnsName", "a.*.example.com", "request.dnsName is not a DNS name")]
    [InlineData("resolvedFQDN", "_acme-challenge.example.com.\r\n2026-01-01T00:00:00.000Z info: forged", "request.resolvedFQDN is not a DNS name")]
    [InlineData("resolvedFQDN", "*.example.com.", "request.resolvedFQDN is not a DNS name")]
    [InlineData("resolvedFQDN", "_acme-challenge.b\u00fccher.example.com.", "request.resolvedFQDN is not a DNS name")]
    [InlineData("resolvedFQDN", "_acme-challenge..example.com.", "request.resolvedFQDN is not a DNS name")]
    [InlineData("resolvedFQDN", "_acme-challenge.evil.org.", "request.resolvedFQDN is not inside request.resolvedZone")]
    [InlineData("resolvedFQDN", "_acme-challenge.notexample.com.", "request.resolvedFQDN is not inside request.resolvedZone")]
    [InlineData("resolvedZone", "example.com/../x", "request.resolvedZone is not a DNS name")]
    [InlineData("resolvedZone", ".", "request.resolvedZone is not a DNS name")]
    [InlineData("key", "key\u001b[2J", "request.key is not a valid challenge key")]
    [InlineData("key", "key\"with quote", "request.key is not a valid challenge key")]
    [InlineData("key", "key\\backslash", "request.key is not a valid challenge key")]
    [InlineData("resourceNamespace", "team-a/../kube-system", "request.resourceNamespace is not a Kubernetes namespace name")]
    [InlineData("uid", "uid\r\n", "request.uid is not valid")]
    [InlineData("type", "dns 01", "request.type is not valid")]
    public void EachFieldOutsideItsFormatIsNamed(string field, string value, string message)
    {
        var request = field switch
        {
            "dnsName" => Valid() with { DnsName = value },
            "resolvedFQDN" => Valid() with { ResolvedFQDN = value },
            "resolvedZone" => Valid() with { ResolvedZone = value },
            "key" => Valid() with { Key = value },
            "resourceNamespace" => Valid() with { ResourceNamespace = value },
            "uid" => Valid() with { Uid = value },
            _ => Valid() with { Type = value },
        };

        ChallengeValidator.Problem(request).Should().StartWith(message);
    }

    [Fact]
    public void OverlongNamesAndKeysAreRefused()
    {
        var label = new string('a', 63);
        var longName = string.Join('.', Enumerable.Repeat(label, 4)) + ".";

        ChallengeValidator.Problem(Valid() with { ResolvedFQDN = longName, ResolvedZone = "" }).Should().StartWith("request.resolvedFQDN");
        ChallengeValidator.Problem(Valid() with { ResolvedFQDN =
            $"_acme-challenge.{new string('a', 64)}.example.com." }).Should().StartWith("request.resolvedFQDN");
        ChallengeValidator.Problem(Valid() with { Key = new string('k', 256) }).Should().StartWith("request.key");
        ChallengeValidator.Problem(Valid() with { Key = new string('k', 255) }).Should().BeNull();
    }

    [Fact]
    public async Task ABadChallengeFailsAloneAndTheOthersInItsWindowAreWritten()
    {
        await using var harness = await Route53Harness.StartAsync(new() { ["Route53:BatchWindow"] = "00:00:00.300" });
        var zone = harness.Fake.AddZone("example.com");
        var good = Enumerable.Range(0, 5).Select(i => Route53Harness.Challenge($"key-{i}", $"_acme-challenge.app{i}.example.com.")).ToList();
        var bad = new[]
        {
            Route53Harness.Challenge("key-nul", "_acme-challenge.app\u0000.example.com.") with { DnsName = "app.example.com" },
            Route53Harness.Challenge("key-\u001b[2J", "_acme-challenge.esc.example.com."),
        };

        var goodWork = good.Select(c => harness.Solver.PresentAsync(c, CancellationToken.None)).ToList();
        var badWork = bad.Select(c => harness.Solver.PresentAsync(c, CancellationToken.None)).ToList();

        await Task.WhenAll(goodWork);
        (await badWork[0].Invoking(t => t).Should().ThrowAsync<SolverException>()).Which.Message.Should().StartWith("request.resolvedFQDN");
        (await badWork[1].Invoking(t => t).Should().ThrowAsync<SolverException>()).Which.Message.Should().StartWith("request.key");
        foreach (var (challenge, i) in good.Select((c, i) => (c, i)))
        {
            harness.Fake.RecordSets(zone, challenge.ResolvedFQDN).Should().ContainSingle($"challenge {i} was written");
        }

        harness.Fake.BatchSizes.Sum().Should().Be(5);
    }
}
