namespace WebhookSolver.Route53;

/// <summary>
/// Turns a Route53 error answer into the message cert-manager shows: what failed and what to do. Built only from
/// the operation, the code, the zone and Route53's message text, never from request ids, so retries of the same
/// cause give byte-identical messages.
/// </summary>
internal static class Route53Errors
{
    public static Route53Exception Create(
        string operation, int status, string code, IReadOnlyList<string> messages, string? hostedZoneId, bool inDoubt = false)
    {
        var aws = string.Join("; ", messages.Where(m => m.Length > 0));
        var zone = hostedZoneId is null ? "" : $" on hosted zone {hostedZoneId}";
        var message = code switch
        {
            "AccessDenied" or "AccessDeniedException" =>
                $"Route53 denied {operation}{zone}: allow the action route53:{operation} for this AWS identity in its IAM policy " +
                $"(see the least-privilege policy in the README){Said(aws)}",
            Route53Exception.NoSuchHostedZoneCode =>
                $"hosted zone {hostedZoneId ?? "(unknown)"} does not exist in the AWS account of these credentials: correct hostedZoneID in the " +
                "Issuer's solver config, or remove it to find the zone by name",
            "NoSuchChange" => $"Route53 does not know the change being waited for{Said(aws)}",
            "InvalidClientTokenId" or "UnrecognizedClientException" =>
                "AWS does not recognise the access key id: check accessKeyID / accessKeyIDSecretRef in the Issuer (or the role's credentials) " +
                "and that the key is active",
            "SignatureDoesNotMatch" =>
                "AWS rejected the request signature: the secret access key does not belong to the access key id (check secretAccessKeySecretRef), " +
                "or this host's clock is off by more than 5 minutes",
            "ExpiredToken" or "ExpiredTokenException" or "RequestExpired" =>
                "AWS reports the credentials or the request as expired: the session credentials are too old, or this host's clock is wrong",
            _ when Route53Exception.ThrottlingCodes.Contains(code) =>
                $"Route53 is throttling {operation} (the API rate limit of the AWS account, shared by every tool using it); cert-manager will retry",
            "PriorRequestNotComplete" =>
                $"Route53 is still applying an earlier change{zone}; cert-manager will retry",
            Route53Exception.TimeoutCode =>
                $"Route53 did not answer {operation} in time ({aws}); cert-manager will retry",
            Route53Exception.MalformedCode =>
                $"Route53's answer to {operation} could not be read ({aws}); cert-manager will retry",
            Route53Exception.ConnectionFailedCode =>
                $"could not connect to Route53 for {operation} ({aws}): check that this pod may reach the Route53 endpoint (egress rules, proxy, " +
                    "DNS); cert-manager will retry",
            Route53Exception.InvalidChangeBatchCode when aws.Contains("is not permitted in zone", StringComparison.OrdinalIgnoreCase) =>
                $"Route53 refused the change{zone}: the record name is not inside that hosted zone; correct hostedZoneID in the " +
                    $"Issuer's solver config{Said(aws)}",
            Route53Exception.InvalidChangeBatchCode => $"Route53 refused the change{zone}{Said(aws)}",
            _ when status >= 500 => $"Route53 failed {operation} with HTTP {status} ({code}); this is on the AWS side, cert-manager will retry",
            _ => $"Route53 {operation}{zone} failed with {code} (HTTP {status}){Said(aws)}",
        };
        return new Route53Exception(message, operation, status, code, messages, inDoubt);
    }

    private static string Said(string aws) => aws.Length == 0 ? "" : $": {aws}";
}
