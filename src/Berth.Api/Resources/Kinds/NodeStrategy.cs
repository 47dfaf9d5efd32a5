using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Nodes (core/v1), after pkg/registry/core/node/strategy.go and ValidateNode: unlike other kinds a node may be
/// created with its status (the agent registers itself that way); main-resource updates keep the status.
/// <c>status.allocatable</c> defaults to the capacity. Taints must be valid and unique per key and effect;
/// <c>podCIDRs</c> and <c>providerID</c> may only be set once. STATUS shows Ready/NotReady/Unknown and
/// SchedulingDisabled; ROLES come from <c>node-role.kubernetes.io/*</c> and <c>kubernetes.io/role</c> labels.
/// </summary>
public sealed class NodeStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> NodeColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Status", "The status of the node"),
        Kinds.Columns.Text("Roles", "The roles of the node"),
        Kinds.Columns.Age,
        Kinds.Columns.Text("Version", "Kubelet Version reported by the node."),
        Kinds.Columns.Text("Internal-IP", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
        Kinds.Columns.Text("External-IP", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
        Kinds.Columns.Text("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
        Kinds.Columns.Text("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
        Kinds.Columns.Text("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => NodeColumns;

    protected override bool ClusterScoped => true;

    /// <summary>Nodes may be created with a status (kubelets register that way), so it is kept.</summary>
    public override void PrepareForCreate(JsonObject obj)
    {
    }

    public override void ApplyDefaults(JsonObject obj)
    {
        if (obj["status"] is JsonObject status && status["capacity"] is JsonObject capacity && !Nodes.Has(status, "allocatable"))
        {
            status["allocatable"] = capacity.DeepClone();
        }
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        // Kubernetes reports node taints under metadata (validation.go: fldPath.Child("taints") with fldPath = metadata).
        PodSpecValidation.ValidateTaints(Json.Array(obj, "spec", "taints"), "metadata.taints", causes);
        ValidateResources(obj, causes);
        var i = 0;
        foreach (var cidr in Nodes.Strings(Json.Array(obj, "spec", "podCIDRs")))
        {
            if (!FieldRules.IsCidr(cidr))
            {
                causes.Add(StatusCause.Invalid($"spec.podCIDRs[{i}]", cidr, FieldRules.CidrMessage));
            }

            i++;
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var before = Nodes.Strings(Json.Array(old, "spec", "podCIDRs")).ToList();
        if (before.Count > 0 && !before.SequenceEqual(Nodes.Strings(Json.Array(obj, "spec", "podCIDRs"))))
        {
            causes.Add(StatusCause.Forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"));
        }

        var provider = Nodes.Str(old, "spec", "providerID");
        if (provider.Length > 0 && provider != Nodes.Str(obj, "spec", "providerID"))
        {
            causes.Add(StatusCause.Forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
        }
    }

    protected override void ValidateStatus(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        ValidateResources(obj, causes);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, address) in Nodes.Objects(Json.Array(obj, "status", "addresses")))
        {
            if (!seen.Add(address.ToJsonString()))
            {
                causes.Add(StatusCause.Duplicate($"status.addresses[{i}]", GoValue.Json(address)));
            }
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var status = new List<string>();
        if (Nodes.Condition(Json.Array(obj, "status", "conditions"), "Ready") is { } ready)
        {
            status.Add(Json.String(ready, "status") == "True" ? "Ready" : "NotReady");
        }
        else
        {
            status.Add("Unknown");
        }

        if (Nodes.IsTrue(obj, "spec", "unschedulable"))
        {
            status.Add("SchedulingDisabled");
        }

        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in Json.StringMap(Json.Walk(obj, "metadata", "labels")))
        {
            if (key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal) && key.Length > "node-role.kubernetes.io/".Length)
            {
                roles.Add(key["node-role.kubernetes.io/".Length..]);
            }
            else if (key == "kubernetes.io/role" && value.Length > 0)
            {
                roles.Add(value);
            }
        }

        var info = Json.Object(obj, "status", "nodeInfo");
        return
        [
            Json.String(obj, "metadata", "name"),
            string.Join(",", status),
            roles.Count == 0 ? "<none>" : string.Join(",", roles),
            Age(obj, now),
            Nodes.Str(info, "kubeletVersion"),
            Address(obj, "InternalIP"),
            Address(obj, "ExternalIP"),
            UnknownIfEmpty(Json.String(info, "osImage")),
            UnknownIfEmpty(Json.String(info, "kernelVersion")),
            UnknownIfEmpty(Json.String(info, "containerRuntimeVersion")),
        ];
    }

    public override bool TryGetField(FieldSource obj, string field, out string? value)
    {
        if (field == "spec.unschedulable")
        {
            value = obj.IsTrue("spec", "unschedulable") ? "true" : "false";
            return true;
        }

        return base.TryGetField(obj, field, out value);
    }

    private static void ValidateResources(JsonObject obj, List<StatusCause> causes)
    {
        foreach (var list in new[] { "capacity", "allocatable" })
        {
            foreach (var (name, value) in Json.Object(obj, "status", list) ?? [])
            {
                var q = Quantity.Parse(value);
                if (q is null)
                {
                    causes.Add(StatusCause.Invalid($"status.{list}.{name}", Quantity.Text(value), Quantity.FormatMessage));
                }
                else if (q < 0)
                {
                    causes.Add(StatusCause.Invalid($"status.{list}.{name}", Quantity.Text(value), FieldRules.NegativeMessage));
                }
            }
        }
    }

    private static string Address(JsonObject node, string type) =>
        Nodes.Objects(Json.Array(node, "status", "addresses")).Select(a => a.Item).FirstOrDefault(a => Json.String(a, "type") == type) is { } address
            ? Nodes.Str(address, "address")
            : "<none>";

    private static string UnknownIfEmpty(string? s) => string.IsNullOrEmpty(s) ? "<unknown>" : s;
}
