using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WebhookSolver.Kubernetes;

/// <summary>
/// metav1.Time (RFC 3339 to the second) and metav1.MicroTime (RFC 3339 with exactly six fractional digits: the API
/// server's MicroTime parser accepts nothing else, k8s.io/apimachinery meta/v1/micro_time.go) on the wire. Reading
/// accepts either, and any RFC 3339 offset. The generated models declare every timestamp as <c>DateTime?</c>; null is
/// left to the serializer (omitted when writing).
/// </summary>
internal sealed class KubernetesTimeConverter : JsonConverter<DateTime?>
{
    private readonly string _format;

    private KubernetesTimeConverter(string format) => _format = format;

    public static KubernetesTimeConverter Time { get; } = new("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'");

    public static KubernetesTimeConverter MicroTime { get; } = new("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'");

    public override DateTime? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset().UtcDateTime;

    public override void Write(Utf8JsonWriter writer, DateTime? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } time)
        {
            writer.WriteStringValue(time.ToUniversalTime().ToString(_format, CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
