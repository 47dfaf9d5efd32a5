using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using k8s;
using k8s.Models;

namespace Berth.Api.Resources;

/// <summary>
/// The type check kube-apiserver gets from decoding a body into its Go structs: a field of the wrong JSON
/// type (a boolean in <c>exec.command</c>, a string where a list goes) is a 400 BadRequest ("Pod in version
/// \"v1\" cannot be handled as a Pod: ...") before anything is stored, so that no controller or agent
/// ever reads an object it cannot decode. The shape is the KubernetesClient model of the kind (found by
/// its <see cref="KubernetesEntityAttribute"/>), decoded with the client's own converters; unknown fields
/// are ignored (as Kubernetes does without strict field validation). Kinds without a model (kubevirt.io)
/// are not checked here.
/// </summary>
public static class TypedShape
{
    /// <summary>
    /// The KubernetesClient model of every built-in kind this server stores, and of its status. A table rather than a
    /// scan of the client's assembly: loading its ~6,000 types costs ~25 MB of type data in a process that uses a few
    /// dozen, and a table names its types to the trimmer of a native build. A test checks every entry against the
    /// model's <see cref="KubernetesEntityAttribute"/> and that every stored built-in kind has one.
    /// </summary>
    private static readonly FrozenDictionary<(string Group, string Version, string Kind), (Type Model, Type? Status)> Models =
        new Dictionary<(string Group, string Version, string Kind), (Type Model, Type? Status)>
        {
            [("", "v1", "Namespace")] = (typeof(V1Namespace), typeof(V1NamespaceStatus)),
            [("", "v1", "Pod")] = (typeof(V1Pod), typeof(V1PodStatus)),
            [("", "v1", "Service")] = (typeof(V1Service), typeof(V1ServiceStatus)),
            [("", "v1", "Endpoints")] = (typeof(V1Endpoints), null),
            [("", "v1", "ConfigMap")] = (typeof(V1ConfigMap), null),
            [("", "v1", "Secret")] = (typeof(V1Secret), null),
            [("", "v1", "Event")] = (typeof(Corev1Event), null),
            [("", "v1", "Node")] = (typeof(V1Node), typeof(V1NodeStatus)),
            [("", "v1", "ServiceAccount")] = (typeof(V1ServiceAccount), null),
            [("", "v1", "PersistentVolumeClaim")] = (typeof(V1PersistentVolumeClaim), typeof(V1PersistentVolumeClaimStatus)),
            [("", "v1", "PersistentVolume")] = (typeof(V1PersistentVolume), typeof(V1PersistentVolumeStatus)),
            [("apps", "v1", "Deployment")] = (typeof(V1Deployment), typeof(V1DeploymentStatus)),
            [("apps", "v1", "ReplicaSet")] = (typeof(V1ReplicaSet), typeof(V1ReplicaSetStatus)),
            [("apps", "v1", "StatefulSet")] = (typeof(V1StatefulSet), typeof(V1StatefulSetStatus)),
            [("apps", "v1", "DaemonSet")] = (typeof(V1DaemonSet), typeof(V1DaemonSetStatus)),
            [("apps", "v1", "ControllerRevision")] = (typeof(V1ControllerRevision), null),
            [("batch", "v1", "Job")] = (typeof(V1Job), typeof(V1JobStatus)),
            [("batch", "v1", "CronJob")] = (typeof(V1CronJob), typeof(V1CronJobStatus)),
            [("coordination.k8s.io", "v1", "Lease")] = (typeof(V1Lease), null),
            [("node.k8s.io", "v1", "RuntimeClass")] = (typeof(V1RuntimeClass), null),
            [("discovery.k8s.io", "v1", "EndpointSlice")] = (typeof(V1EndpointSlice), null),
            [("storage.k8s.io", "v1", "StorageClass")] = (typeof(V1StorageClass), null),
            [("networking.k8s.io", "v1", "NetworkPolicy")] = (typeof(V1NetworkPolicy), null),
        }.ToFrozenDictionary();

    /// <summary>The model <paramref name="type"/>'s objects decode into, or null when the client has none.</summary>
    public static Type? ModelOf(ResourceType type) => Models.TryGetValue((type.Group, type.Version, type.Kind), out var m) ? m.Model : null;

    /// <summary>Every (group, version, kind) with a model, and the model: for the test that checks the table.</summary>
    public static IEnumerable<((string Group, string Version, string Kind) Key, Type Model, Type? Status)> Table =>
        Models.Select(kv => (kv.Key, kv.Value.Model, kv.Value.Status));

    /// <summary>Throws a 400 BadRequest when <paramref name="obj"/> does not decode as its kind.</summary>
    public static void Check(ResourceType type, JsonObject obj)
    {
        if (ModelOf(type) is { } model)
        {
            Decode(type, obj, model);
        }
    }

    /// <summary>
    /// Throws a 400 BadRequest when <paramref name="obj"/>'s <c>status</c> does not decode as its kind's status:
    /// the check of a <c>/status</c> write, which changes nothing else (so an object stored before this check
    /// with an undecodable spec can still have its status written).
    /// </summary>
    public static void CheckStatus(ResourceType type, JsonObject obj)
    {
        if (obj["status"] is JsonObject status && Models.TryGetValue((type.Group, type.Version, type.Kind), out var m) && m.Status is { } model)
        {
            Decode(type, status, model);
        }
    }

    private static void Decode(ResourceType type, JsonNode node, Type model)
    {
        try
        {
            node.Deserialize(model, Options.Value);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            throw ApiException.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {Describe(e)}");
        }
    }

    /// <summary>The options every part of Berth decodes with (<see cref="KubernetesJson"/>'s, which it hands out only to a configure callback).</summary>
    private static readonly Lazy<JsonSerializerOptions> Options = new(() =>
    {
        JsonSerializerOptions? options = null;
        KubernetesJson.AddJsonOptions(o => options = o);
        return options ?? throw new InvalidOperationException("KubernetesJson.AddJsonOptions did not hand out its options");
    });

    private static string Describe(Exception e) => e is JsonException { Path: { } path } j
        ? $"{FirstLine(j.Message)} (at {path})"
        : FirstLine(e.Message);

    private static string FirstLine(string s)
    {
        var cut = s.IndexOfAny(['\r', '\n']);
        return cut < 0 ? s : s[..cut];
    }
}
