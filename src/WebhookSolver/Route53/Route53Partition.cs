namespace WebhookSolver.Route53;

/// <summary>
/// Route53 is global: the region only chooses the AWS partition, which fixes the endpoint and the SigV4 signing region.
/// </summary>
internal sealed record Route53Partition(string Name, Uri Endpoint, string SigningRegion)
{
    public static readonly Route53Partition Standard = new("aws", new Uri("https://route53.amazonaws.com"), "us-east-1");
    public static readonly Route53Partition China = new("aws-cn", new Uri("https://route53.amazonaws.com.cn"), "cn-northwest-1");
    public static readonly Route53Partition GovCloud = new("aws-us-gov", new Uri("https://route53.us-gov.amazonaws.com"), "us-gov-west-1");

    /// <param name="region">null or empty: the standard partition</param>
    public static Route53Partition ForRegion(string? region) => region switch
    {
        not null when region.StartsWith("cn-", StringComparison.OrdinalIgnoreCase) => China,
        not null when region.StartsWith("us-gov-", StringComparison.OrdinalIgnoreCase) => GovCloud,
        _ => Standard,
    };

    /// <summary>The partition's endpoint, or the override (which keeps the partition's signing region).</summary>
    public Uri EndpointWith(string? endpointOverride) =>
        endpointOverride is { Length: > 0 } url ? new Uri(url, UriKind.Absolute) : Endpoint;
}
