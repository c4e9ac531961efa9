using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;

namespace WebhookSolver.Kubernetes;

/// <summary>The Kubernetes models that <see cref="KubernetesApi"/> sends and receives, and no others.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.General, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(Authenticationv1TokenRequest))]
[JsonSerializable(typeof(V1SubjectAccessReview))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(V1Lease))]
[JsonSerializable(typeof(V1LeaseList))]
internal sealed partial class KubernetesApiJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The API server's JSON: timestamps are metav1.Time, except the fields that the API declares as metav1.MicroTime.
    /// </summary>
    public static JsonSerializerOptions Wire { get; } = new(JsonSerializerDefaults.General)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { KubernetesTimeConverter.Time },
        TypeInfoResolver = new KubernetesApiJsonContext().WithAddedModifier(UseMicroTime),
    };

    public static JsonTypeInfo<T> Info<T>() => (JsonTypeInfo<T>)Wire.GetTypeInfo(typeof(T));

    private static void UseMicroTime(JsonTypeInfo type)
    {
        if (type.Type != typeof(V1LeaseSpec))
        {
            return;
        }

        foreach (var property in type.Properties)
        {
            if (property.Name is "acquireTime" or "renewTime")
            {
                property.CustomConverter = KubernetesTimeConverter.MicroTime;
            }
        }
    }
}
