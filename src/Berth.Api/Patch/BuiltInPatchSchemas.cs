namespace Berth.Api.Patch;

/// <summary>
/// The strategic-merge schemas of the built-in kinds Berth serves, transcribed from the
/// <c>patchStrategy</c>/<c>patchMergeKey</c> tags of k8s.io/api (core/v1, apps/v1, batch/v1) and
/// k8s.io/apimachinery's ObjectMeta. Only fields with metadata (and the paths down to them) are listed;
/// every other field behaves by default (objects merge, lists are replaced).
/// <para>Strategic merge uses one merge key per list even where server-side apply uses several: container
/// ports merge on <c>containerPort</c> (not containerPort+protocol), Service ports on <c>port</c>,
/// topologySpreadConstraints on <c>topologyKey</c> (not topologyKey+whenUnsatisfiable), as in Kubernetes.</para>
/// </summary>
public static class BuiltInPatchSchemas
{
    /// <summary>ObjectMeta: owner references by uid, finalizers as a set; managedFields replaced whole.</summary>
    public static PatchSchema ObjectMeta { get; } = PatchSchema.Of(
        ("ownerReferences", PatchField.MergeList("uid")),
        ("finalizers", PatchField.Set()),
        ("managedFields", PatchField.Atomic()));

    /// <summary>Container (and EphemeralContainer, which shares its tags).</summary>
    public static PatchSchema Container { get; } = PatchSchema.Of(
        ("ports", PatchField.MergeList("containerPort")),
        ("env", PatchField.MergeList("name")),
        ("volumeMounts", PatchField.MergeList("mountPath")),
        ("volumeDevices", PatchField.MergeList("devicePath")));

    /// <summary>
    /// PodSpec. Volumes carry <c>retainKeys</c> so that a volume changing source type (hostPath → emptyDir) loses
    /// the old source; tolerations have no strategy and are replaced whole.
    /// </summary>
    public static PatchSchema PodSpec { get; } = PatchSchema.Of(
        ("volumes", PatchField.MergeList("name", retainKeys: true)),
        ("initContainers", PatchField.MergeList("name", Container)),
        ("containers", PatchField.MergeList("name", Container)),
        ("ephemeralContainers", PatchField.MergeList("name", Container)),
        ("imagePullSecrets", PatchField.MergeList("name")),
        ("hostAliases", PatchField.MergeList("ip")),
        ("topologySpreadConstraints", PatchField.MergeList("topologyKey")),
        ("schedulingGates", PatchField.MergeList("name")),
        ("resourceClaims", PatchField.MergeList("name", retainKeys: true)),
        ("tolerations", PatchField.Atomic()));

    public static PatchSchema PodStatus { get; } = PatchSchema.Of(
        ("conditions", PatchField.MergeList("type")),
        ("podIPs", PatchField.MergeList("ip")),
        ("hostIPs", PatchField.MergeList("ip")),
        ("resourceClaimStatuses", PatchField.MergeList("name", retainKeys: true)));

    public static PatchSchema PodTemplateSpec { get; } = PatchSchema.Of(
        ("metadata", PatchField.Object(ObjectMeta)),
        ("spec", PatchField.Object(PodSpec)));

    /// <summary>A status whose only list with metadata is <c>conditions</c>, merged by <c>type</c>.</summary>
    private static PatchSchema ConditionsStatus { get; } = PatchSchema.Of(("conditions", PatchField.MergeList("type")));

    private static PatchSchema TemplateSpec { get; } = PatchSchema.Of(("template", PatchField.Object(PodTemplateSpec)));

    private static readonly Dictionary<(string Group, string Kind), PatchSchema> Schemas = Build();

    /// <summary>The schema of a built-in kind, or null (custom resources, aggregated APIs).</summary>
    public static PatchSchema? For(string group, string kind) => Schemas.GetValueOrDefault((group, kind));

    /// <summary>Every (group, kind) with a schema.</summary>
    public static IEnumerable<(string Group, string Kind)> Kinds => Schemas.Keys;

    private static Dictionary<(string, string), PatchSchema> Build()
    {
        var meta = ("metadata", PatchField.Object(ObjectMeta));
        PatchSchema Kind(params (string Name, PatchField Field)[] fields) => PatchSchema.Of([meta, .. fields]);
        var conditions = ("status", PatchField.Object(ConditionsStatus));
        var workload = ("spec", PatchField.Object(TemplateSpec));

        var schemas = new Dictionary<(string, string), PatchSchema>
        {
            [("", "Pod")] = Kind(("spec", PatchField.Object(PodSpec)), ("status", PatchField.Object(PodStatus))),
            [("", "Service")] = Kind(
                ("spec", PatchField.Object(PatchSchema.Of(("ports", PatchField.MergeList("port"))))),
                conditions),
            [("", "Node")] = Kind(
                ("spec", PatchField.Object(PatchSchema.Of(("podCIDRs", PatchField.Set()), ("taints", PatchField.Atomic())))),
                ("status", PatchField.Object(PatchSchema.Of(
                    ("conditions", PatchField.MergeList("type")),
                    ("addresses", PatchField.MergeList("type")))))),
            [("", "Namespace")] = Kind(conditions),
            [("", "ServiceAccount")] = Kind(("secrets", PatchField.MergeList("name"))),
            [("", "PersistentVolumeClaim")] = Kind(conditions),
            [("apps", "Deployment")] = Kind(
                ("spec", PatchField.Object(TemplateSpec.With("strategy", PatchField.Object(PatchSchema.Empty, retainKeys: true)))),
                conditions),
            [("apps", "ReplicaSet")] = Kind(workload, conditions),
            [("apps", "StatefulSet")] = Kind(workload, conditions),
            [("apps", "DaemonSet")] = Kind(workload, conditions),
            [("batch", "Job")] = Kind(workload, conditions),
            [("batch", "CronJob")] = Kind(("spec", PatchField.Object(PatchSchema.Of(
                ("jobTemplate", PatchField.Object(PatchSchema.Of(
                    ("metadata", PatchField.Object(ObjectMeta)),
                    ("spec", PatchField.Object(TemplateSpec))))))))),
        };

        // Built-in kinds whose only lists with metadata are in ObjectMeta.
        (string, string)[] metadataOnly =
        [
            ("", "ConfigMap"), ("", "Secret"), ("", "Endpoints"), ("", "Event"), ("", "PersistentVolume"),
            ("apps", "ControllerRevision"), ("autoscaling", "Scale"), ("coordination.k8s.io", "Lease"), ("node.k8s.io", "RuntimeClass"),
            ("discovery.k8s.io", "EndpointSlice"), ("storage.k8s.io", "StorageClass"), ("networking.k8s.io", "NetworkPolicy"),
        ];
        foreach (var key in metadataOnly)
        {
            schemas[key] = Kind();
        }

        return schemas;
    }
}
