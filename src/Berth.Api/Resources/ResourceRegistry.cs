using Berth.Api.Resources.Kinds;

namespace Berth.Api.Resources;

/// <summary>
/// Every resource type the API serves, and lookups by URL segment, kind and short name.
/// Discovery (<c>/api</c>, <c>/apis</c>, resource lists) is generated from this table.
/// </summary>
public sealed class ResourceRegistry
{
    private static readonly Subresource Log = new("log", ["get"]);
    private static readonly Subresource Exec = new("exec", ["create", "get"]);
    private static readonly Subresource Attach = new("attach", ["create", "get"]);
    private static readonly Subresource PortForward = new("portforward", ["create", "get"]);
    private static readonly Subresource Binding = new("binding", ["create"]);
    private static readonly Subresource Eviction = new("eviction", ["create"], "Eviction", "policy", "v1");
    private static readonly Subresource Finalize = new("finalize", ["update"]);
    private static readonly IReadOnlyList<string> ReadOnlyVerbs = ["get", "list"];

    private readonly Dictionary<(string Group, string Version, string Plural), ResourceType> _byPath = [];
    private readonly Dictionary<(string Group, string Kind), ResourceType> _byKind = [];

    public ResourceRegistry(IEnumerable<ResourceType> types)
    {
        Types = types.ToList();
        foreach (var t in Types)
        {
            _byPath.Add((t.Group, t.Version, t.Plural), t);
            _byKind.TryAdd((t.Group, t.Kind), t);
        }

        Groups = Types.Select(t => t.Group).Distinct().ToList();
    }

    /// <summary>Every served type, in discovery order.</summary>
    public IReadOnlyList<ResourceType> Types { get; }

    /// <summary>Every served group; "" (core) first.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>The registry with everything Berth serves.</summary>
    public static ResourceRegistry Default { get; } = new(BuiltIn());

    public ResourceType? Find(string group, string version, string plural) =>
        _byPath.GetValueOrDefault((group, version, plural));

    public ResourceType? FindByKind(string group, string kind) => _byKind.GetValueOrDefault((group, kind));

    /// <summary>Looks up <c>apiVersion</c> + <c>kind</c> as they appear in an object.</summary>
    public ResourceType? FindByApiVersion(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        var t = FindByKind(group, kind);
        return t is not null && t.Version == version ? t : null;
    }

    public IEnumerable<ResourceType> InGroupVersion(string group, string version) =>
        Types.Where(t => t.Group == group && t.Version == version);

    public IEnumerable<string> VersionsOf(string group) =>
        Types.Where(t => t.Group == group).Select(t => t.Version).Distinct();

    private static IEnumerable<ResourceType> BuiltIn()
    {
        string[] all = ["all"];
        ResourceType T(string group, string version, string kind, string plural, bool namespaced, string[]? shortNames = null,
            string[]? categories = null, Subresource[]? sub = null, IResourceStrategy? strategy = null, IReadOnlyList<string>? verbs = null,
            bool isVirtual = false) =>
            new()
            {
                Group = group,
                Version = version,
                Kind = kind,
                Plural = plural,
                Singular = kind.ToLowerInvariant(),
                Namespaced = namespaced,
                ShortNames = shortNames ?? [],
                Categories = categories ?? [],
                Subresources = sub ?? [],
                Strategy = strategy ?? (sub?.Contains(Subresource.Status) == true ? ResourceStrategy.WithStatus : ResourceStrategy.Default),
                Verbs = verbs ?? ResourceType.AllVerbs,
                Virtual = isVirtual,
            };

        var status = Subresource.Status;
        var scale = Subresource.Scale;

        // core/v1
        yield return T("", "v1", "Namespace", "namespaces", false, ["ns"], sub: [status, Finalize], strategy: new NamespaceStrategy(),
            verbs: ["create", "delete", "get", "list", "patch", "update", "watch"]);
        yield return T("", "v1", "Pod", "pods", true, ["po"], all, [status, Log, Exec, Attach, PortForward, Binding, Eviction], new PodStrategy());
        yield return T("", "v1", "Service", "services", true, ["svc"], all, [status], new ServiceStrategy());
        yield return T("", "v1", "Endpoints", "endpoints", true, ["ep"], strategy: new EndpointsStrategy());
        yield return T("", "v1", "ConfigMap", "configmaps", true, ["cm"], strategy: new ConfigMapStrategy());
        yield return T("", "v1", "Secret", "secrets", true, strategy: new SecretStrategy());
        yield return T("", "v1", "Event", "events", true, ["ev"], strategy: new EventStrategy());
        yield return T("", "v1", "Node", "nodes", false, ["no"], sub: [status], strategy: new NodeStrategy());
        yield return T("", "v1", "ServiceAccount", "serviceaccounts", true, ["sa"], strategy: new ServiceAccountStrategy());
        yield return T("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, ["pvc"], sub: [status], strategy: new PersistentVolumeClaimStrategy());
        yield return T("", "v1", "PersistentVolume", "persistentvolumes", false, ["pv"], sub: [status], strategy: new PersistentVolumeStrategy());

        // apps/v1
        yield return T("apps", "v1", "Deployment", "deployments", true, ["deploy"], all, [status, scale], new DeploymentStrategy());
        yield return T("apps", "v1", "ReplicaSet", "replicasets", true, ["rs"], all, [status, scale], new ReplicaSetStrategy());
        yield return T("apps", "v1", "StatefulSet", "statefulsets", true, ["sts"], all, [status, scale], new StatefulSetStrategy());
        yield return T("apps", "v1", "DaemonSet", "daemonsets", true, ["ds"], all, [status], new DaemonSetStrategy());
        yield return T("apps", "v1", "ControllerRevision", "controllerrevisions", true, strategy: new ControllerRevisionStrategy());

        // batch/v1
        yield return T("batch", "v1", "Job", "jobs", true, categories: all, sub: [status], strategy: new JobStrategy());
        yield return T("batch", "v1", "CronJob", "cronjobs", true, ["cj"], all, [status], new CronJobStrategy());

        // coordination.k8s.io/v1, node.k8s.io/v1, discovery.k8s.io/v1, storage.k8s.io/v1, networking.k8s.io/v1
        yield return T("coordination.k8s.io", "v1", "Lease", "leases", true, strategy: new LeaseStrategy());
        yield return T("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false, strategy: new RuntimeClassStrategy());
        yield return T("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, strategy: new EndpointSliceStrategy());
        yield return T("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, ["sc"], strategy: new StorageClassStrategy());
        yield return T("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, ["netpol"], strategy: new NetworkPolicyStrategy());

        // kubevirt.io/v1
        yield return T("kubevirt.io", "v1", "VirtualMachine", "virtualmachines", true, ["vm", "vms"], all, [status], new VirtualMachineStrategy());
        yield return T("kubevirt.io", "v1", "VirtualMachineInstance", "virtualmachineinstances", true, ["vmi", "vmis"], all, [status], new VirtualMachineInstanceStrategy());
        yield return T("kubevirt.io", "v1", "VirtualMachineInstanceReplicaSet", "virtualmachineinstancereplicasets", true, ["vmirs", "vmirss"], all, [status, scale],
            new VirtualMachineInstanceReplicaSetStrategy());

        // metrics.k8s.io/v1beta1: computed on request, never stored.
        yield return T("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", true, verbs: ReadOnlyVerbs, isVirtual: true);
        yield return T("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", false, verbs: ReadOnlyVerbs, isVirtual: true);
    }
}
