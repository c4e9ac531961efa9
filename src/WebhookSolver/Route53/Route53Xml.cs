using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace WebhookSolver.Route53;

/// <summary>The 2013-04-01 REST-XML bodies of the four operations this webhook uses, and both error shapes.</summary>
internal static class Route53Xml
{
    private static readonly string[] OtherRoutingPolicyElements = ["Weight", "Region", "GeoLocation", "GeoProximityLocation", "Failover", "CidrRoutingConfig"];

    public static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";

    public static string ChangeResourceRecordSetsRequest(IReadOnlyList<Change> changes, string? comment)
    {
        var batch = new XElement(Ns + "ChangeBatch");
        if (comment is not null)
        {
            batch.Add(new XElement(Ns + "Comment", comment));
        }

        batch.Add(new XElement(Ns + "Changes", changes.Select(change => new XElement(Ns + "Change",
            new XElement(Ns + "Action", change.Action.ToString().ToUpperInvariant()),
            RecordSet(change.RecordSet)))));
        var document = new XDocument(new XDeclaration("1.0", "UTF-8", null), new XElement(Ns + "ChangeResourceRecordSetsRequest", batch));
        return document.Declaration + document.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>Elements in the order of the API's schema: Name, Type, SetIdentifier, MultiValueAnswer, TTL, ResourceRecords.</summary>
    private static XElement RecordSet(ResourceRecordSet set)
    {
        var element = new XElement(Ns + "ResourceRecordSet", new XElement(Ns + "Name", set.Name), new XElement(Ns + "Type", set.Type));
        if (set.SetIdentifier is not null)
        {
            element.Add(new XElement(Ns + "SetIdentifier", set.SetIdentifier));
        }

        if (set.MultiValueAnswer)
        {
            element.Add(new XElement(Ns + "MultiValueAnswer", "true"));
        }

        element.Add(
            new XElement(Ns + "TTL", set.Ttl.ToString(CultureInfo.InvariantCulture)),
            new XElement(Ns + "ResourceRecords", set.Values.Select(value => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", value)))));
        return element;
    }

    /// <summary>Whether <paramref name="text"/> can be written as XML element content (no control characters, no lone surrogates).</summary>
    public static bool CanCarry(string text)
    {
        try
        {
            XmlConvert.VerifyXmlChars(text);
            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    /// <summary>ChangeInfo of a ChangeResourceRecordSetsResponse or a GetChangeResponse.</summary>
    public static ChangeInfo ParseChangeInfo(string xml)
    {
        var info = Parse(xml).Descendants().FirstOrDefault(e => e.Name.LocalName == "ChangeInfo")
            ?? throw new FormatException("response has no ChangeInfo");
        return new ChangeInfo(ChangeInfo.StripIdPrefix(Required(info, "Id")), Required(info, "Status"));
    }

    public static HostedZonesPage ParseHostedZonesByName(string xml)
    {
        var root = Parse(xml).Root!;
        var zones = Child(root, "HostedZones")?.Elements().Where(e => e.Name.LocalName == "HostedZone")
            .Select(zone => new HostedZone(
                HostedZone.StripIdPrefix(Required(zone, "Id")),
                Required(zone, "Name"),
                string.Equals(Child(Child(zone, "Config"), "PrivateZone")?.Value, "true", StringComparison.OrdinalIgnoreCase)))
            .ToList() ?? [];
        return new HostedZonesPage(zones, IsTruncated(root), Child(root, "NextDNSName")?.Value, Child(root, "NextHostedZoneId")?.Value);
    }

    public static ResourceRecordSetsPage ParseResourceRecordSets(string xml)
    {
        var root = Parse(xml).Root!;
        var sets = Child(root, "ResourceRecordSets")?.Elements().Where(e => e.Name.LocalName == "ResourceRecordSet")
            .Select(set => new ResourceRecordSet(
                Required(set, "Name"),
                Required(set, "Type"),
                long.TryParse(Child(set, "TTL")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) ? ttl : 0,
                Child(set, "ResourceRecords")?.Elements().Select(record => Child(record, "Value")?.Value ?? "").ToList() ?? [],
                Child(set, "SetIdentifier")?.Value,
                string.Equals(Child(set, "MultiValueAnswer")?.Value, "true", StringComparison.OrdinalIgnoreCase),
                HasOtherRoutingPolicy: OtherRoutingPolicyElements.Any(name => Child(set, name) is not null)))
            .ToList() ?? [];
        return new ResourceRecordSetsPage(
            sets, IsTruncated(root), Child(root, "NextRecordName")?.Value, Child(root, "NextRecordType")?.Value, Child(root, "NextRecordIdentifier")?.Value);
    }

    /// <summary>
    /// The code and messages of an error body: <c>ErrorResponse/Error/{Code,Message}</c>, or
    /// <c>InvalidChangeBatch/Messages/Message*</c> (code InvalidChangeBatch). Null when the body is neither.
    /// </summary>
    public static (string Code, IReadOnlyList<string> Messages)? ParseError(string xml)
    {
        XDocument document;
        try
        {
            document = Parse(xml);
        }
        catch (XmlException)
        {
            return null;
        }

        var root = document.Root!;
        if (root.Name.LocalName == "InvalidChangeBatch")
        {
            var messages = Child(root, "Messages")?.Elements().Select(e => e.Value).ToList() ?? [];
            if (Child(root, "Message")?.Value is { } single)
            {
                messages.Add(single);
            }

            return (Route53Exception.InvalidChangeBatchCode, messages);
        }

        if (root.Name.LocalName == "ErrorResponse" && Child(root, "Error") is { } error && Child(error, "Code")?.Value is { } code)
        {
            var message = Child(error, "Message")?.Value ?? "";
            // The SDKs' spelling of a multi-message InvalidChangeBatch: "[first, second]".
            IReadOnlyList<string> messages = code == Route53Exception.InvalidChangeBatchCode && message.StartsWith('[') && message.EndsWith(']')
                ? [message[1..^1]]
                : [message];
            return (code, messages);
        }

        return null;
    }

    private static readonly XmlReaderSettings ReaderSettings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    private static XDocument Parse(string xml)
    {
        using var reader = XmlReader.Create(new StringReader(xml), ReaderSettings);
        return XDocument.Load(reader);
    }

    private static XElement? Child(XElement? parent, string name) => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    private static string Required(XElement parent, string name) =>
        Child(parent, name)?.Value ?? throw new FormatException($"{parent.Name.LocalName} has no {name}");

    private static bool IsTruncated(XElement root) => string.Equals(Child(root, "IsTruncated")?.Value, "true", StringComparison.OrdinalIgnoreCase);
}
