using System.Globalization;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace WebhookSolver.Testing;

/// <summary>A record set as the fake stores it; values exactly as written (quoted TXT strings).</summary>
internal sealed record FakeRecordSet(string Name, string Type, long Ttl, IReadOnlyList<string> Values, string? SetIdentifier = null,
    bool MultiValueAnswer = false)
{
    public bool SameSetAs(FakeRecordSet other) =>
        Norm(Name) == Norm(other.Name) && Type == other.Type && SetIdentifier == other.SetIdentifier;

    internal static string Norm(string name) => name.ToLowerInvariant().TrimEnd('.') + ".";
}

/// <summary>
/// Route53 over HTTP, in process, enforcing what the real service enforces: a valid SigV4 signature for a registered
/// key on every call, exact-match DELETE, CREATE conflicts, all-or-nothing batches, no mixing of simple and
/// multivalue-answer sets, names inside the zone, quoted TXT values, PENDING then INSYNC after <see cref="InsyncDelay"/>,
/// pagination with <see cref="PageSize"/>, the per-request batch limits (records, value characters, a set changed twice), and the real XML error bodies. Faults
/// are injected with <see cref="Inject"/>.
/// Beyond those, the faults of the path between a client and Route53: a change held on the way and delivered after the
/// client gave it up (<see cref="HoldNextChanges"/>, <see cref="ReleaseHeld"/>), answers garbled after the request was
/// applied (<see cref="GarbleNext"/>), a hosted zone deleted and created again under a new id (<see cref="RecreateZone"/>),
/// and SigV4's expiry: a request whose X-Amz-Date is more than <see cref="SignatureLifetime"/> old is refused.
/// </summary>
internal sealed partial class FakeRoute53 : IAsyncDisposable
{
    public const string Namespace = "https://route53.amazonaws.com/doc/2013-04-01/";
    private static readonly XNamespace Ns = Namespace;

    private readonly object _lock = new();
    private readonly Dictionary<string, (string Name, bool Private)> _zones = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<FakeRecordSet>> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _changes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Secret, string? Token)> _credentials = new(StringComparer.Ordinal);
    private readonly List<Func<string, RecordedRequest, FakeResponse?>> _faults = [];
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly List<int> _batchSizes = [];
    private readonly List<RecordedRequest> _held = [];
    private readonly Dictionary<string, int> _garble = new(StringComparer.Ordinal);
    private int _hold;
    private FakeHttpServer _server = null!;
    private int _nextChange;

    /// <summary>AWS refuses a signed request this long after its X-Amz-Date ("in most cases" five minutes, AWS's IAM guide).</summary>
    public TimeSpan SignatureLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The clock the signature age is checked against.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>ChangeResourceRecordSets requests held on the way, not yet delivered.</summary>
    public int Held
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> ChangeResourceRecordSets requests are held on the way, as a stalled proxy or
    /// front end would: no answer ever reaches the client, and nothing is applied until <see cref="ReleaseHeld"/>.
    /// </summary>
    public void HoldNextChanges(int count = 1)
    {
        lock (_lock)
        {
            _hold += count;
        }
    }

    /// <summary>Delivers every held request now, in order, with Route53's rules (signature age included).</summary>
    /// <returns>the status Route53 gave each (200 when applied)</returns>
    public IReadOnlyList<int> ReleaseHeld()
    {
        List<RecordedRequest> held;
        lock (_lock)
        {
            held = [.. _held];
            _held.Clear();
        }

        return [.. held.Select(request => Deliver(request)?.Status ?? 501)];
    }

    /// <summary>The next <paramref name="times"/> answers to <paramref name="operation"/> are cut in half after the request was applied.</summary>
    public void GarbleNext(string operation, int times = 1)
    {
        lock (_lock)
        {
            _garble[operation] = _garble.GetValueOrDefault(operation) + times;
        }
    }

    /// <summary>Deletes the zone (its id then answers NoSuchHostedZone) and creates one of the same name under a new id.</summary>
    public string RecreateZone(string zoneId)
    {
        string name;
        bool privateZone;
        lock (_lock)
        {
            (name, privateZone) = _zones[zoneId];
            _zones.Remove(zoneId);
            _records.Remove(zoneId);
        }

        return AddZone(name, privateZone, "Z" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant() + "NEW");
    }

    private FakeRoute53(string signingRegion) => SigningRegion = signingRegion;

    public string SigningRegion { get; }

    public Uri Endpoint => _server.BaseAddress;

    public FakeHttpServer Server => _server;

    /// <summary>Largest page the list operations answer with, whatever maxitems asks for.</summary>
    public int PageSize { get; set; } = 100;

    public const int MaxRecords = 1000;

    public const int MaxValueCharacters = 32_000;

    /// <summary>Number of changes of every ChangeResourceRecordSets request that passed the batch limits, in arrival order.</summary>
    public IReadOnlyList<int> BatchSizes
    {
        get
        {
            lock (_lock)
            {
                return [.. _batchSizes];
            }
        }
    }

    /// <summary>How long a change stays PENDING.</summary>
    public TimeSpan InsyncDelay { get; set; }

    /// <summary>Runs inside the batch lock just before a valid-looking batch is applied: lets a test be "another writer" at the worst moment.</summary>
    public Action<FakeRoute53>? BeforeChange { get; set; }

    public static async Task<FakeRoute53> StartAsync(string signingRegion = "us-east-1")
    {
        var fake = new FakeRoute53(signingRegion);
        fake._server = await FakeHttpServer.StartAsync("fake Route53", request => Task.FromResult(fake.Answer(request)));
        return fake;
    }

    public void AddCredentials(string accessKeyId, string secretKey, string? sessionToken = null)
    {
        lock (_lock)
        {
            _credentials[accessKeyId] = (secretKey, sessionToken);
        }
    }

    public string AddZone(string name, bool privateZone = false, string? id = null)
    {
        lock (_lock)
        {
            id ??= "Z" + (_zones.Count + 1).ToString("D4", CultureInfo.InvariantCulture) + "FAKE"
                + Math.Abs(name.GetHashCode(StringComparison.Ordinal) % 100000);
            _zones[id] = (FakeRecordSet.Norm(name), privateZone);
            _records[id] = [];
            return id;
        }
    }

    /// <summary>Writes a set directly, as another tool would have.</summary>
    public void Put(string zoneId, FakeRecordSet set)
    {
        lock (_lock)
        {
            var sets = _records[zoneId];
            sets.RemoveAll(s => s.SameSetAs(set));
            sets.Add(set with { Name = FakeRecordSet.Norm(set.Name) });
        }
    }

    public IReadOnlyList<FakeRecordSet> RecordSets(string zoneId, string? name = null)
    {
        lock (_lock)
        {
            return [.. _records[zoneId].Where(s => name is null || s.Name == FakeRecordSet.Norm(name))];
        }
    }

    /// <summary>The texts published at a name (quotes removed), over all its TXT sets.</summary>
    public IReadOnlyList<string> TxtTexts(string zoneId, string name) =>
        [.. RecordSets(zoneId, name).Where(s => s.Type == "TXT").SelectMany(s => s.Values).Select(v => v.Trim('"'))];

    public int Calls(string operation)
    {
        lock (_lock)
        {
            return _calls.GetValueOrDefault(operation);
        }
    }

    /// <summary>Adds a fault: asked before each call with the operation name; a non-null answer replaces the real one.</summary>
    public void Inject(Func<string, RecordedRequest, FakeResponse?> fault)
    {
        lock (_lock)
        {
            _faults.Add(fault);
        }
    }

    /// <summary>Answers the next <paramref name="times"/> calls of <paramref name="operation"/> with <paramref name="response"/>.</summary>
    public void FailNext(string operation, FakeResponse response, int times = 1)
    {
        var left = times;
        Inject((op, _) => op == operation && Interlocked.Decrement(ref left) >= 0 ? response : null);
    }

    public static FakeResponse Error(int status, string code, string message, string type = "Sender") => Xml(status,
        $"<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"{Namespace}\"><Error><Type>{type}</Type><Code>{code}</Code>" +
        $"<Message>{SecurityElement.Escape(message)}</Message></Error><RequestId>{Guid.NewGuid()}</RequestId></ErrorResponse>");

    public static FakeResponse InvalidChangeBatch(IEnumerable<string> messages) => Xml(400,
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InvalidChangeBatch xmlns=\"{Namespace}\">" +
        $"<Messages>{string.Concat(messages.Select(m => $"<Message>{SecurityElement.Escape(m)}</Message>"))}</Messages>" +
        $"<RequestId>{Guid.NewGuid()}</RequestId></InvalidChangeBatch>");

    public static FakeResponse Throttling => Error(400, "Throttling", "Rate exceeded");

    public static FakeResponse PriorRequestNotComplete =>
        Error(400, "PriorRequestNotComplete", "The request was rejected because Route 53 was still processing a prior request.");

    public static FakeResponse ServiceUnavailable => Error(503, "ServiceUnavailable", "Service Unavailable", "Receiver");

    public static FakeResponse InternalFailure => Error(500, "InternalFailure", "We encountered an internal error. Please try again.", "Receiver");

    public static FakeResponse AccessDenied(string operation, string zoneId) => Error(403, "AccessDenied",
        $"User: arn:aws:iam::123456789012:user/cert-manager is not authorized to perform: route53:{operation} on resource: " +
            $"arn:aws:route53:::hostedzone/{zoneId} because no identity-based policy allows the route53:{operation} action");

    private static FakeResponse Xml(int status, string body) =>
        new(status, body, "text/xml") { Headers = new Dictionary<string, string> { ["x-amzn-RequestId"] = Guid.NewGuid().ToString() } };

    private FakeResponse? Answer(RecordedRequest request)
    {
        if (Route(request).Operation == "ChangeResourceRecordSets")
        {
            lock (_lock)
            {
                if (_hold > 0)
                {
                    _hold--;
                    _held.Add(request);
                    // The client sees no answer; the request waits on the way until released.
                    return new FakeResponse(200) { Delay = TimeSpan.FromMinutes(10) };
                }
            }
        }

        var response = Deliver(request);
        if (response is { Status: 200 } && Route(request).Operation is { } operation)
        {
            lock (_lock)
            {
                if (_garble.GetValueOrDefault(operation) > 0)
                {
                    _garble[operation]--;
                    return response with { Body = response.Body[..(response.Body.Length / 2)] };
                }
            }
        }

        return response;
    }

    private FakeResponse? Deliver(RecordedRequest request)
    {
        Func<string, (string, string?)?> lookup = key =>
        {
            lock (_lock)
            {
                return _credentials.TryGetValue(key, out var known) ? known : null;
            }
        };
        var verdict = SigV4Verifier.Verify(SigV4Request.From(request), lookup, "route53", SigningRegion);
        if (!verdict.IsValid)
        {
            return verdict.ErrorCode switch
            {
                "InvalidClientTokenId" => Error(403, "InvalidClientTokenId", "The security token included in the request is invalid."),
                "MissingAuthenticationToken" => Error(403, "MissingAuthenticationToken", "Missing Authentication Token"),
                _ => Error(403, "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. " +
                        "Consult the service documentation for details."),
            };
        }

        if (DateTimeOffset.TryParseExact(request.Header("x-amz-date"), "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var signedAt) && Clock.GetUtcNow() - signedAt > SignatureLifetime)
        {
            var now = Clock.GetUtcNow().UtcDateTime;
            return Error(403, "SignatureDoesNotMatch",
                $"Signature expired: {signedAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'} is now earlier than {now - SignatureLifetime:yyyyMMdd'T'HHmmss'Z'} " +
                $"({now:yyyyMMdd'T'HHmmss'Z'} - {SignatureLifetime.TotalMinutes.ToString(CultureInfo.InvariantCulture)} min.)");
        }

        var (operation, zoneId, changeId) = Route(request);
        if (operation is null)
        {
            return null;
        }

        List<Func<string, RecordedRequest, FakeResponse?>> faults;
        lock (_lock)
        {
            _calls[operation] = _calls.GetValueOrDefault(operation) + 1;
            faults = [.. _faults];
        }

        foreach (var fault in faults)
        {
            if (fault(operation, request) is { } injected)
            {
                return injected;
            }
        }

        if (zoneId is not null && !ZoneExists(zoneId))
        {
            return Error(404, "NoSuchHostedZone", $"No hosted zone found with ID: {zoneId}");
        }

        return operation switch
        {
            "ChangeResourceRecordSets" => Change(zoneId!, request),
            "GetChange" => GetChange(changeId!),
            "ListHostedZonesByName" => ListHostedZonesByName(request),
            "ListResourceRecordSets" => ListResourceRecordSets(zoneId!, request),
            _ => null,
        };
    }

    private static (string? Operation, string? ZoneId, string? ChangeId) Route(RecordedRequest request)
    {
        var parts = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return (request.Method, parts) switch
        {
            ("POST", ["2013-04-01", "hostedzone", var zone, "rrset"]) => ("ChangeResourceRecordSets", zone, null),
            ("GET", ["2013-04-01", "hostedzone", var zone, "rrset"]) => ("ListResourceRecordSets", zone, null),
            ("GET", ["2013-04-01", "change", var change]) => ("GetChange", null, change),
            ("GET", ["2013-04-01", "hostedzonesbyname"]) => ("ListHostedZonesByName", null, null),
            _ => (null, null, null),
        };
    }

    private bool ZoneExists(string zoneId)
    {
        lock (_lock)
        {
            return _zones.ContainsKey(zoneId);
        }
    }

    private FakeResponse Change(string zoneId, RecordedRequest request)
    {
        XElement root;
        try
        {
            root = XDocument.Parse(request.BodyText).Root!;
        }
        catch (System.Xml.XmlException)
        {
            return Error(400, "InvalidInput", "Invalid XML ; Invalid content");
        }

        if (root.Name != Ns + "ChangeResourceRecordSetsRequest")
        {
            return Error(400, "InvalidInput", $"Invalid XML ; Unexpected root element {root.Name}");
        }

        var changes = root.Element(Ns + "ChangeBatch")?.Element(Ns + "Changes")?.Elements(Ns + "Change")
            .Select(c => (Action: c.Element(Ns + "Action")!.Value, Set: ParseSet(c.Element(Ns + "ResourceRecordSet")!)))
            .ToList() ?? [];
        if (changes.Count == 0)
        {
            return Error(400, "InvalidInput", "Invalid XML ; ChangeBatch has no changes");
        }

        if (BatchLimitViolation(changes) is { } violation)
        {
            return InvalidChangeBatch([violation]);
        }

        lock (_lock)
        {
            _batchSizes.Add(changes.Count);
        }

        lock (_lock)
        {
            BeforeChange?.Invoke(this);
            var zoneName = _zones[zoneId].Name;
            var working = new List<FakeRecordSet>(_records[zoneId]);
            var errors = new List<string>();
            foreach (var (action, set) in changes)
            {
                var label = set.SetIdentifier is null
                    ? $"[name='{set.Name}', type='{set.Type}']"
                    : $"[name='{set.Name}', type='{set.Type}', set-identifier='{set.SetIdentifier}']";
                if (set.Name != zoneName && !set.Name.EndsWith("." + zoneName, StringComparison.Ordinal))
                {
                    errors.Add($"RRSet with DNS name {set.Name} is not permitted in zone {zoneName}");
                    continue;
                }

                if (set.Type == "TXT" && set.Values.FirstOrDefault(v => !ValidTxt().IsMatch(v)) is { } bad)
                {
                    errors.Add($"Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation " +
                        $"marks) encountered with '{bad}''");
                    continue;
                }

                var existing = working.FirstOrDefault(s => s.SameSetAs(set));
                switch (action)
                {
                    case "CREATE" when existing is not null:
                        errors.Add($"Tried to create resource record set {label} but it already exists");
                        break;
                    case "CREATE" or "UPSERT" when ShapeConflict(working, set) is { } conflict:
                        errors.Add(conflict);
                        break;
                    case "CREATE":
                        working.Add(set);
                        break;
                    case "UPSERT":
                        working.RemoveAll(s => s.SameSetAs(set));
                        working.Add(set);
                        break;
                    case "DELETE" when existing is null:
                        errors.Add($"Tried to delete resource record set {label} but it was not found");
                        break;
                    case "DELETE" when existing.Ttl != set.Ttl || existing.MultiValueAnswer != set.MultiValueAnswer
                                       || !existing.Values.Order(StringComparer.Ordinal).SequenceEqual(set.Values.Order(StringComparer.Ordinal)):
                        errors.Add($"Tried to delete resource record set {label} but the values provided do not match the current values");
                        break;
                    case "DELETE":
                        working.Remove(existing);
                        break;
                    default:
                        errors.Add($"Invalid XML ; unknown Action {action}");
                        break;
                }
            }

            if (errors.Count > 0)
            {
                return InvalidChangeBatch(errors);
            }

            _records[zoneId] = working;
            var id = "C" + (++_nextChange).ToString("D8", CultureInfo.InvariantCulture) + "FAKE";
            _changes[id] = DateTimeOffset.UtcNow;
            return Xml(200,
                $"<?xml version=\"1.0\"?>\n<ChangeResourceRecordSetsResponse xmlns=\"{Namespace}\">{ChangeInfo(id)}</ChangeResourceRecordSetsResponse>");
        }
    }

    /// <summary>
    /// Route53's per-request limits: at most <see cref="MaxRecords"/> ResourceRecord elements and <see cref="MaxValueCharacters"/>
    /// characters of values (an UPSERT counting twice), and no record set changed twice by the same kind of action.
    /// </summary>
    private static string? BatchLimitViolation(List<(string Action, FakeRecordSet Set)> changes)
    {
        var weight = (string action) => action == "UPSERT" ? 2 : 1;
        if (changes.Sum(c => c.Set.Values.Count * weight(c.Action)) > MaxRecords)
        {
            return $"Number of records limit of {MaxRecords} exceeded.";
        }

        if (changes.Sum(c => c.Set.Values.Sum(v => v.Length) * weight(c.Action)) > MaxValueCharacters)
        {
            return $"Maximum value length of {MaxValueCharacters} characters exceeded.";
        }

        var seen = new HashSet<(string, string, string?, bool)>();
        foreach (var (action, set) in changes)
        {
            if (!seen.Add((set.Name, set.Type, set.SetIdentifier, action == "DELETE")))
            {
                return $"The request contains an invalid set of changes for a resource record set '{set.Type} {set.Name}'";
            }
        }

        return null;
    }

    private static string? ShapeConflict(List<FakeRecordSet> sets, FakeRecordSet set)
    {
        var others = sets.Where(s => s.Name == set.Name && s.Type == set.Type && !s.SameSetAs(set)).ToList();
        if (set.MultiValueAnswer && others.Any(s => !s.MultiValueAnswer))
        {
            return $"RRSet with DNS name {set.Name}, type {set.Type}, SetIdentifier {set.SetIdentifier} cannot be created because a non multivalue answer " +
                "rrset exists with the same name and type.";
        }

        if (!set.MultiValueAnswer && others.Count > 0)
        {
            return $"RRSet with DNS name {set.Name}, type {set.Type} cannot be created because a multivalue answer rrset exists with the same name and type.";
        }

        return null;
    }

    private string ChangeInfo(string id)
    {
        // Route53 answers every accepted change with PENDING; only GetChange reports INSYNC.
        var submitted = _changes[id];
        return $"<ChangeInfo><Id>/change/{id}</Id><Status>PENDING</Status><SubmittedAt>{submitted:yyyy-MM-ddTHH:mm:ss.fffZ}</SubmittedAt></ChangeInfo>";
    }

    private FakeResponse GetChange(string id)
    {
        lock (_lock)
        {
            if (!_changes.TryGetValue(id, out var submitted))
            {
                return Error(404, "NoSuchChange", $"A change with the specified change ID does not exist. (Change ID: {id})");
            }

            var status = DateTimeOffset.UtcNow - submitted >= InsyncDelay ? "INSYNC" : "PENDING";
            return Xml(200, $"<?xml version=\"1.0\"?>\n<GetChangeResponse xmlns=\"{Namespace}\">" +
                $"<ChangeInfo><Id>/change/{id}</Id><Status>{status}</Status><SubmittedAt>{submitted:yyyy-MM-ddTHH:mm:ss.fffZ}</SubmittedAt></ChangeInfo>" +
                "</GetChangeResponse>");
        }
    }

    private FakeResponse ListHostedZonesByName(RecordedRequest request)
    {
        var query = request.Query;
        var start = query.TryGetValue("dnsname", out var dnsName) ? Reverse(FakeRecordSet.Norm(dnsName)) : "";
        query.TryGetValue("hostedzoneid", out var startId);
        var max = Math.Min(PageSize, query.TryGetValue("maxitems", out var m) ? int.Parse(m, CultureInfo.InvariantCulture) : 100);
        List<(string Id, string Name, bool Private)> zones;
        lock (_lock)
        {
            zones = [.. _zones.Select(z => (z.Key, z.Value.Name, z.Value.Private))
                .OrderBy(z => Reverse(z.Name), StringComparer.Ordinal).ThenBy(z => z.Key, StringComparer.Ordinal)
                .SkipWhile(z => string.CompareOrdinal(Reverse(z.Name), start) < 0
                                || (startId is not null && Reverse(z.Name) == start && string.CompareOrdinal(z.Key, startId) < 0))];
        }

        var page = zones.Take(max).ToList();
        var truncated = zones.Count > max;
        var body = new StringBuilder($"<?xml version=\"1.0\"?>\n<ListHostedZonesByNameResponse xmlns=\"{Namespace}\"><HostedZones>");
        foreach (var zone in page)
        {
            body.Append(CultureInfo.InvariantCulture, $"<HostedZone><Id>/hostedzone/{zone.Id}</Id><Name>{zone.Name}</Name>")
                .Append(CultureInfo.InvariantCulture, $"<CallerReference>ref-{zone.Id}</CallerReference>")
                .Append(CultureInfo.InvariantCulture, $"<Config><PrivateZone>{(zone.Private ? "true" : "false")}</PrivateZone></Config>")
                .Append("<ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone>");
        }

        body.Append(CultureInfo.InvariantCulture, $"</HostedZones><DNSName>{dnsName}</DNSName><IsTruncated>{(truncated ? "true" : "false")}</IsTruncated>");
        if (truncated)
        {
            body.Append(CultureInfo.InvariantCulture, $"<NextDNSName>{zones[max].Name}</NextDNSName><NextHostedZoneId>{zones[max].Id}</NextHostedZoneId>");
        }

        body.Append(CultureInfo.InvariantCulture, $"<MaxItems>{max}</MaxItems></ListHostedZonesByNameResponse>");
        return Xml(200, body.ToString());
    }

    private FakeResponse ListResourceRecordSets(string zoneId, RecordedRequest request)
    {
        var query = request.Query;
        var startName = query.TryGetValue("name", out var n) ? Reverse(FakeRecordSet.Norm(n)) : "";
        var startType = query.GetValueOrDefault("type") ?? "";
        var startId = query.GetValueOrDefault("identifier");
        var max = Math.Min(PageSize, query.TryGetValue("maxitems", out var m) ? int.Parse(m, CultureInfo.InvariantCulture) : 300);
        List<FakeRecordSet> sets;
        lock (_lock)
        {
            sets = [.. _records[zoneId]
                .OrderBy(s => Reverse(s.Name), StringComparer.Ordinal).ThenBy(s => s.Type, StringComparer.Ordinal).ThenBy(s => s.SetIdentifier ?? "",
                    StringComparer.Ordinal)
                .SkipWhile(s => Compare(s, startName, startType, startId) < 0)];
        }

        var page = sets.Take(max).ToList();
        var truncated = sets.Count > max;
        var body = new StringBuilder($"<?xml version=\"1.0\"?>\n<ListResourceRecordSetsResponse xmlns=\"{Namespace}\"><ResourceRecordSets>");
        foreach (var set in page)
        {
            body.Append(CultureInfo.InvariantCulture, $"<ResourceRecordSet><Name>{set.Name}</Name><Type>{set.Type}</Type>");
            if (set.SetIdentifier is not null)
            {
                body.Append(CultureInfo.InvariantCulture, $"<SetIdentifier>{SecurityElement.Escape(set.SetIdentifier)}</SetIdentifier>");
            }

            if (set.MultiValueAnswer)
            {
                body.Append("<MultiValueAnswer>true</MultiValueAnswer>");
            }

            body.Append(CultureInfo.InvariantCulture, $"<TTL>{set.Ttl}</TTL><ResourceRecords>");
            foreach (var value in set.Values)
            {
                body.Append(CultureInfo.InvariantCulture, $"<ResourceRecord><Value>{SecurityElement.Escape(value)}</Value></ResourceRecord>");
            }

            body.Append("</ResourceRecords></ResourceRecordSet>");
        }

        body.Append(CultureInfo.InvariantCulture, $"</ResourceRecordSets><IsTruncated>{(truncated ? "true" : "false")}</IsTruncated>");
        if (truncated)
        {
            var next = sets[max];
            body.Append(CultureInfo.InvariantCulture, $"<NextRecordName>{next.Name}</NextRecordName><NextRecordType>{next.Type}</NextRecordType>");
            if (next.SetIdentifier is not null)
            {
                body.Append(CultureInfo.InvariantCulture, $"<NextRecordIdentifier>{SecurityElement.Escape(next.SetIdentifier)}</NextRecordIdentifier>");
            }
        }

        body.Append(CultureInfo.InvariantCulture, $"<MaxItems>{max}</MaxItems></ListResourceRecordSetsResponse>");
        return Xml(200, body.ToString());
    }

    private static int Compare(FakeRecordSet set, string name, string type, string? identifier)
    {
        var c = string.CompareOrdinal(Reverse(set.Name), name);
        if (c != 0 || type.Length == 0)
        {
            return c;
        }

        c = string.CompareOrdinal(set.Type, type);
        return c != 0 || identifier is null ? c : string.CompareOrdinal(set.SetIdentifier ?? "", identifier);
    }

    private static FakeRecordSet ParseSet(XElement set) => new(
        FakeRecordSet.Norm(set.Element(Ns + "Name")!.Value),
        set.Element(Ns + "Type")!.Value,
        long.Parse(set.Element(Ns + "TTL")?.Value ?? "0", CultureInfo.InvariantCulture),
        [.. set.Element(Ns + "ResourceRecords")?.Elements(Ns + "ResourceRecord").Select(r => r.Element(Ns + "Value")!.Value) ?? []],
        set.Element(Ns + "SetIdentifier")?.Value,
        set.Element(Ns + "MultiValueAnswer")?.Value == "true");

    private static string Reverse(string name) => string.Join('.', name.TrimEnd('.').Split('.').Reverse());

    /// <summary>One or more quoted strings of at most 255 characters, <c>"</c> and <c>\</c> escaped.</summary>
    [GeneratedRegex("^(\"(?:[^\"\\\\]|\\\\.){0,255}\"\\s*)+$")]
    private static partial Regex ValidTxt();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
