using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Pods (core/v1), after pkg/registry/core/pod/strategy.go, the v1 defaults and validation, and the admission
/// plugins that Kubernetes enables by default and that mutate pods on create:
/// <list type="bullet">
/// <item>ServiceAccount: <c>spec.serviceAccountName</c> defaults to <c>default</c> (the token volume is not added: Berth issues no tokens yet).</item>
/// <item>Priority: <c>spec.priority</c> 0 (or the value of the built-in <c>system-*-critical</c> classes) and <c>preemptionPolicy: PreemptLowerPriority</c>.</item>
/// <item>DefaultTolerationSeconds: tolerate <c>node.kubernetes.io/not-ready</c> and <c>unreachable</c> NoExecute taints for 300 s.</item>
/// </list>
/// On create the status is reset to <c>phase: Pending</c> with the QoS class; updates may only change images,
/// <c>activeDeadlineSeconds</c> (down), tolerations (additions), scheduling gates (removals) and metadata.
/// Binding to a node goes through <see cref="Bind"/>, never through an update.
/// </summary>
public sealed class PodStrategy : ResourceStrategy
{
    private const string UpdatableFields =
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => PodPrinter.Columns;

    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        var spec = Json.EnsureObject(obj, "spec");
        Admit(obj, spec);
        var status = new JsonObject { ["phase"] = "Pending", ["qosClass"] = PodQos.Compute(spec) };
        if (Json.Array(spec, "schedulingGates") is { Count: > 0 })
        {
            status["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "PodScheduled",
                ["status"] = "False",
                ["reason"] = "SchedulingGated",
                ["message"] = "Scheduling is blocked due to non-empty scheduling gates",
            });
        }

        obj["status"] = status;
    }

    public override void ApplyDefaults(JsonObject obj) => PodSpecDefaults.ApplyPod(obj);

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes) =>
        PodSpecValidation.ValidatePodSpec(Json.Object(obj, "spec"), "spec", isPod: true, causes);

    /// <summary><c>ValidatePodUpdate</c>: everything but the updatable fields must stay as it was.</summary>
    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        var oldSpec = Json.Object(old, "spec") ?? [];
        foreach (var list in new[] { "containers", "initContainers" })
        {
            var now = Json.Array(spec, list)?.Count ?? 0;
            if (now != (Json.Array(oldSpec, list)?.Count ?? 0))
            {
                causes.Add(StatusCause.Forbidden($"spec.{list}", "pod updates may not add or remove containers"));
                return;
            }
        }

        if (Json.Long(spec, "activeDeadlineSeconds") is { } deadline)
        {
            if (deadline is < 0 or > int.MaxValue)
            {
                causes.Add(StatusCause.Invalid("spec.activeDeadlineSeconds", deadline, FieldRules.InclusiveRange(0, int.MaxValue)));
                return;
            }

            if (Json.Long(oldSpec, "activeDeadlineSeconds") is { } before && before < deadline)
            {
                causes.Add(StatusCause.Invalid("spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value"));
                return;
            }
        }
        else if (Nodes.Has(oldSpec, "activeDeadlineSeconds"))
        {
            causes.Add(StatusCause.Invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
        }

        OnlyAddedTolerations(spec, oldSpec, causes);
        OnlyDeletedSchedulingGates(spec, oldSpec, causes);

        var munged = (JsonObject)spec.DeepClone();
        foreach (var list in new[] { "containers", "initContainers" })
        {
            var oldItems = Json.Array(oldSpec, list);
            foreach (var (i, c) in Nodes.Objects(munged[list]))
            {
                Json.CopyProperty(oldItems?[i] as JsonObject ?? [], c, "image");
            }
        }

        foreach (var field in new[] { "activeDeadlineSeconds", "schedulingGates", "tolerations" })
        {
            Json.CopyProperty(oldSpec, munged, field);
        }

        if (Json.Long(oldSpec, "terminationGracePeriodSeconds") < 0 && Json.Long(munged, "terminationGracePeriodSeconds") == 1)
        {
            Json.CopyProperty(oldSpec, munged, "terminationGracePeriodSeconds");
        }

        if (!JsonNode.DeepEquals(munged, oldSpec))
        {
            causes.Add(StatusCause.Forbidden("spec", $"pod updates may not change fields other than {UpdatableFields}\n{Diff(oldSpec, munged)}"));
        }
    }

    /// <summary><c>ValidatePodStatusUpdate</c>: the QoS class is fixed and containers of non-restarting pods do not come back from termination.</summary>
    protected override void ValidateStatus(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var qos = Json.Object(obj, "status")?["qosClass"];
        FieldRules.Immutable(qos, Json.Object(old, "status")?["qosClass"], "status.qosClass", causes);
        if (Json.String(obj, "status", "nominatedNodeName") is { Length: > 0 } nominated)
        {
            Validation.IsDns1123Subdomain(nominated).ToList().ForEach(msg => causes.Add(StatusCause.Invalid("status.nominatedNodeName", nominated, msg)));
        }

        var restartPolicy = Json.String(old, "spec", "restartPolicy");
        foreach (var list in new[] { "containerStatuses", "initContainerStatuses" })
        {
            if (restartPolicy == "Always")
            {
                break;
            }

            var newStatuses = Nodes.Objects(Json.Array(obj, "status", list)).Select(s => s.Item).ToList();
            foreach (var (i, before) in Nodes.Objects(Json.Array(old, "status", list)))
            {
                var terminated = Json.Object(before, "state", "terminated");
                if (terminated is null || (Nodes.Int(terminated, "exitCode") != 0 && restartPolicy == "OnFailure"))
                {
                    continue;
                }

                if (list == "initContainerStatuses" && Nodes.Objects(Json.Array(old, "spec", "initContainers"))
                        .Any(c => Nodes.Str(c.Item, "name") == Nodes.Str(before, "name") && Json.String(c.Item, "restartPolicy") == "Always"))
                {
                    continue;
                }

                if (newStatuses.Any(s => Nodes.Str(s, "name") == Nodes.Str(before, "name") && Json.Object(s, "state", "terminated") is null))
                {
                    causes.Add(StatusCause.Forbidden($"status.{list}[{i}].state", "may not be transitioned to non-terminated state"));
                }
            }
        }

        foreach (var (i, ip) in Nodes.Objects(Json.Array(obj, "status", "podIPs")))
        {
            FieldRules.Ip(Nodes.Str(ip, "ip"), $"status.podIPs[{i}]", causes);
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) => PodPrinter.Cells(obj, now);

    /// <summary>Pod field selectors of <c>PodToSelectableFields</c>.</summary>
    public override bool TryGetField(FieldSource obj, string field, out string? value)
    {
        value = field switch
        {
            "spec.nodeName" => obj.Str("spec", "nodeName"),
            "spec.restartPolicy" => obj.Str("spec", "restartPolicy"),
            "spec.schedulerName" => obj.Str("spec", "schedulerName"),
            "spec.serviceAccountName" => obj.Str("spec", "serviceAccountName"),
            "spec.hostNetwork" => obj.IsTrue("spec", "hostNetwork") ? "true" : "false",
            "status.phase" => obj.Str("status", "phase"),
            "status.podIP" => obj.FirstItemString("ip", "status", "podIPs") ?? obj.Str("status", "podIP"),
            "status.nominatedNodeName" => obj.Str("status", "nominatedNodeName"),
            _ => null,
        };
        return value is not null || base.TryGetField(obj, field, out value);
    }

    /// <summary>
    /// What the <c>pods/binding</c> subresource does (pkg/registry/core/pod/storage <c>assignPod</c>): sets
    /// <c>spec.nodeName</c> and a true <c>PodScheduled</c> condition. Returns null on success, or the conflict
    /// message Kubernetes answers with 409 when the pod is already bound or being deleted.
    /// </summary>
    public static string? Bind(JsonObject pod, string nodeName, DateTimeOffset now)
    {
        var name = Json.String(pod, "metadata", "name");
        if (Json.Object(pod, "metadata")?["deletionTimestamp"] is not null)
        {
            return $"pod {name} is being deleted, cannot be assigned to a host";
        }

        if (Json.String(pod, "spec", "nodeName") is { Length: > 0 } bound)
        {
            return $"pod {name} is already assigned to node \"{bound}\"";
        }

        Json.EnsureObject(pod, "spec")["nodeName"] = nodeName;
        var status = Json.EnsureObject(pod, "status");
        if (status["conditions"] is not JsonArray conditions)
        {
            conditions = [];
            status["conditions"] = conditions;
        }

        var scheduled = Nodes.Condition(conditions, "PodScheduled");
        if (scheduled is null)
        {
            scheduled = new JsonObject { ["type"] = "PodScheduled" };
            conditions.Add(scheduled);
        }

        if (Json.String(scheduled, "status") != "True")
        {
            scheduled["lastTransitionTime"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        scheduled["status"] = "True";
        scheduled["lastProbeTime"] = null;
        scheduled.Remove("reason");
        scheduled.Remove("message");
        return null;
    }

    private static void Admit(JsonObject pod, JsonObject spec)
    {
        var mirror = Json.Object(pod, "metadata", "annotations")?.ContainsKey("kubernetes.io/config.mirror") == true;
        if (!mirror && Nodes.Str(spec, "serviceAccountName").Length == 0 && Nodes.Str(spec, "serviceAccount").Length == 0)
        {
            spec["serviceAccountName"] = "default";
        }

        if (!Nodes.Has(spec, "priority"))
        {
            long? priority = Nodes.Str(spec, "priorityClassName") switch
            {
                "" => 0,
                "system-node-critical" => 2000001000,
                "system-cluster-critical" => 2000000000,
                _ => null,
            };
            if (priority is { } p)
            {
                spec["priority"] = p;
                Nodes.Default(spec, "preemptionPolicy", "PreemptLowerPriority");
            }
        }

        var tolerations = Nodes.Objects(spec["tolerations"]).Select(t => t.Item).ToList();
        foreach (var taint in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            var tolerated = tolerations.Any(t => Nodes.Str(t, "key") is var k && (k == taint || k.Length == 0) &&
                                                 Nodes.Str(t, "effect") is "NoExecute" or "");
            if (!tolerated)
            {
                if (spec["tolerations"] is not JsonArray list)
                {
                    list = [];
                    spec["tolerations"] = list;
                }

                list.Add(new JsonObject { ["key"] = taint, ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 });
            }
        }
    }

    private static void OnlyAddedTolerations(JsonObject spec, JsonObject oldSpec, List<StatusCause> causes)
    {
        var now = Nodes.Objects(spec["tolerations"]).Select(t => WithoutSeconds(t.Item)).ToList();
        foreach (var (_, before) in Nodes.Objects(oldSpec["tolerations"]))
        {
            var wanted = WithoutSeconds(before);
            if (!now.Any(t => JsonNode.DeepEquals(t, wanted)))
            {
                causes.Add(StatusCause.Forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
                return;
            }
        }

        static JsonObject WithoutSeconds(JsonObject t)
        {
            var copy = (JsonObject)t.DeepClone();
            copy.Remove("tolerationSeconds");
            return copy;
        }
    }

    private static void OnlyDeletedSchedulingGates(JsonObject spec, JsonObject oldSpec, List<StatusCause> causes)
    {
        var before = Nodes.Objects(oldSpec["schedulingGates"]).Select(g => Nodes.Str(g.Item, "name")).ToHashSet(StringComparer.Ordinal);
        foreach (var (i, gate) in Nodes.Objects(spec["schedulingGates"]))
        {
            var name = Nodes.Str(gate, "name");
            if (!before.Contains(name))
            {
                causes.Add(StatusCause.Forbidden($"spec.schedulingGates[{i}].name", $"only deletion is allowed, but found new scheduling gate '{name}'"));
            }
        }
    }

    /// <summary>A short account of which spec fields differ (Kubernetes prints a go-cmp diff here).</summary>
    private static string Diff(JsonObject before, JsonObject after)
    {
        var sb = new StringBuilder();
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            if (!JsonNode.DeepEquals(before[key], after[key]))
            {
                sb.Append("  spec.").Append(key).Append(": ").Append(Short(before[key])).Append(" -> ").Append(Short(after[key])).Append('\n');
            }
        }

        return sb.ToString().TrimEnd('\n');

        static string Short(JsonNode? n)
        {
            var text = n?.ToJsonString() ?? "null";
            return text.Length > 200 ? text[..197] + "..." : text;
        }
    }
}
