using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.Storage;

/// <summary>
/// The contract of Berth's built-in local volumes, shared by the provisioner, the scheduler and the agent:
/// <list type="bullet">
/// <item>StorageClass <c>local</c> (provisioner <c>berth.dev/local</c>, default class, WaitForFirstConsumer,
///   reclaimPolicy Delete) is created at start when missing;</item>
/// <item>a claim of that class (or of no class while <c>local</c> is the default) is provisioned once a pod using it is
///   bound to a node: PersistentVolume <c>pvc-CLAIMUID</c> with a <c>local.path</c> of
///   <c>DATA_DIR/volumes/pvc-CLAIMUID</c> on that node (DATA_DIR is the node's <c>berth.dev/data-dir</c> annotation, else
///   the server's data dir) and required node affinity to the node's <c>kubernetes.io/hostname</c>;</item>
/// <item>the agent creates the directory when it mounts the volume (mode 0777, as hostPath DirectoryOrCreate), and
///   removes directories under <c>DATA_DIR/volumes</c> whose PersistentVolume no longer exists;</item>
/// <item>the scheduler keeps pods whose claims are bound to such a volume on its node.</item>
/// </list>
/// </summary>
public static class LocalVolumes
{
    public const string ClassName = "local";
    public const string Provisioner = "berth.dev/local";
    public const string DataDirAnnotation = "berth.dev/data-dir";
    public const string DefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";
    public const string BetaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class";
    public const string ProvisionedByAnnotation = "pv.kubernetes.io/provisioned-by";
    public const string SelectedNodeAnnotation = "volume.kubernetes.io/selected-node";
    public const string HostnameLabel = "kubernetes.io/hostname";

    public static JsonObject StorageClass() => new()
    {
        ["apiVersion"] = "storage.k8s.io/v1",
        ["kind"] = "StorageClass",
        ["metadata"] = new JsonObject
        {
            ["name"] = ClassName,
            ["annotations"] = new JsonObject { [DefaultClassAnnotation] = "true" },
        },
        ["provisioner"] = Provisioner,
        ["reclaimPolicy"] = "Delete",
        ["volumeBindingMode"] = "WaitForFirstConsumer",
    };

    public static bool IsDefaultClass(JsonObject storageClass) =>
        Meta.Annotation(storageClass, DefaultClassAnnotation) == "true" || Meta.Annotation(storageClass, BetaDefaultClassAnnotation) == "true";

    public static string VolumeName(JsonObject claim) => $"pvc-{Meta.Uid(claim)}";

    /// <summary>The directory of a volume on its node.</summary>
    public static string PathOf(JsonObject? node, string defaultDataDir, string volumeName) =>
        Path.Combine(node is not null && Meta.Annotation(node, DataDirAnnotation) is { Length: > 0 } dir ? dir : defaultDataDir, "volumes", volumeName);

    /// <summary>The PersistentVolume for <paramref name="claim"/> on <paramref name="nodeName"/>, bound to the claim.</summary>
    public static JsonObject NewVolume(JsonObject claim, string nodeName, JsonObject? node, string defaultDataDir, string reclaimPolicy)
    {
        var name = VolumeName(claim);
        var hostname = node is not null ? Meta.Label(node, HostnameLabel) : null;
        var term = hostname is not null
            ? new JsonObject { ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = HostnameLabel, ["operator"] = "In", ["values"] = new JsonArray(hostname) }) }
            : new JsonObject { ["matchFields"] = new JsonArray(new JsonObject { ["key"] = "metadata.name", ["operator"] = "In", ["values"] = new JsonArray(nodeName) }) };
        var storage = Json.Walk(claim, "spec", "resources", "requests", "storage")?.DeepClone() ?? JsonValue.Create("1Gi");
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolume",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["annotations"] = new JsonObject { [ProvisionedByAnnotation] = Provisioner },
                ["labels"] = new JsonObject { [HostnameLabel] = hostname ?? nodeName },
            },
            ["spec"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["storage"] = storage },
                ["accessModes"] = Json.Array(claim, "spec", "accessModes")?.DeepClone() ?? new JsonArray("ReadWriteOnce"),
                ["persistentVolumeReclaimPolicy"] = reclaimPolicy,
                ["storageClassName"] = ClassName,
                ["volumeMode"] = Json.String(claim, "spec", "volumeMode") ?? "Filesystem",
                ["claimRef"] = new JsonObject
                {
                    ["kind"] = "PersistentVolumeClaim",
                    ["apiVersion"] = "v1",
                    ["namespace"] = Meta.Namespace(claim),
                    ["name"] = Meta.Name(claim),
                    ["uid"] = Meta.Uid(claim),
                },
                ["local"] = new JsonObject { ["path"] = PathOf(node, defaultDataDir, name) },
                ["nodeAffinity"] = new JsonObject { ["required"] = new JsonObject { ["nodeSelectorTerms"] = new JsonArray(term) } },
            },
        };
    }

    /// <summary>The claim names a pod's volumes use.</summary>
    public static IEnumerable<string> ClaimsOf(JsonObject pod) =>
        (Json.Array(pod, "spec", "volumes") ?? []).Select(v => Json.String(v, "persistentVolumeClaim", "claimName")).OfType<string>();
}
