using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// <c>ValidatePodSpec</c> and <c>ValidatePodTemplateSpec</c> of pkg/apis/core/validation: the checks every pod
/// spec passes (pods and workload templates), with Kubernetes' field paths and messages.
/// <see href="https://github.com/kubernetes/kubernetes/blob/master/pkg/apis/core/validation/validation.go"/>
/// </summary>
internal static class PodSpecValidation
{
    public static readonly IReadOnlyList<string> RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    private static readonly string[] TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    /// <summary>
    /// Validates the pod spec at <paramref name="path"/>. <paramref name="isPod"/> adds the checks Kubernetes runs
    /// only for Pod objects (host ports under hostNetwork, image whitespace).
    /// </summary>
    public static void ValidatePodSpec(JsonObject? spec, string path, bool isPod, List<StatusCause> causes)
    {
        spec ??= [];
        if (!Nodes.Has(spec, "terminationGracePeriodSeconds"))
        {
            causes.Add(StatusCause.Required($"{path}.terminationGracePeriodSeconds"));
        }

        var volumes = VolumeValidation.ValidateVolumes(spec, $"{path}.volumes", causes);
        ContainerValidation.ValidateContainers(spec, path, volumes, causes);
        ContainerValidation.ValidateInitContainers(spec, path, volumes, causes);
        HostNetworkPorts(spec, path, isPod, causes);
        FieldRules.OneOf(Json.String(spec, "restartPolicy"), $"{path}.restartPolicy", RestartPolicies, causes);
        FieldRules.OneOf(Json.String(spec, "dnsPolicy"), $"{path}.dnsPolicy", DnsPolicies, causes);
        Validation.ValidateLabels(Json.Object(spec, "nodeSelector"), $"{path}.nodeSelector", causes);
        DnsConfig(spec, path, causes);

        foreach (var (i, gate) in Nodes.Objects(spec["readinessGates"]))
        {
            QualifiedName(Nodes.Str(gate, "conditionType"), $"{path}.readinessGates[{i}].conditionType", causes);
        }

        var gates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, gate) in Nodes.Objects(spec["schedulingGates"]))
        {
            var name = Nodes.Str(gate, "name");
            QualifiedName(name, $"{path}.schedulingGates[{i}]", causes);
            if (!gates.Add(name))
            {
                causes.Add(StatusCause.Duplicate($"{path}.schedulingGates[{i}]", name));
            }
        }

        foreach (var field in new[] { "serviceAccountName", "nodeName", "priorityClassName", "runtimeClassName" })
        {
            if (Nodes.Str(spec, field) is { Length: > 0 } value)
            {
                Validation.IsDns1123Subdomain(value).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{path}.{field}", value, msg)));
            }
        }

        if (Json.Long(spec, "activeDeadlineSeconds") is { } deadline && deadline is < 1 or > int.MaxValue)
        {
            causes.Add(StatusCause.Invalid($"{path}.activeDeadlineSeconds", deadline, FieldRules.InclusiveRange(1, int.MaxValue)));
        }

        foreach (var field in new[] { "hostname", "subdomain" })
        {
            if (Nodes.Str(spec, field) is { Length: > 0 } value)
            {
                Validation.IsDns1123Label(value).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{path}.{field}", value, msg)));
            }
        }

        ValidateTolerations(spec["tolerations"], $"{path}.tolerations", causes);
        foreach (var (i, alias) in Nodes.Objects(spec["hostAliases"]))
        {
            FieldRules.Ip(Nodes.Str(alias, "ip"), $"{path}.hostAliases[{i}].ip", causes);
            var j = 0;
            foreach (var host in Nodes.Strings(alias["hostnames"]))
            {
                Validation.IsDns1123Subdomain(host).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{path}.hostAliases[{i}].hostnames[{j}]", host, msg)));
                j++;
            }
        }

        if (Json.String(spec, "preemptionPolicy") is { } preemption)
        {
            FieldRules.OneOf(preemption, $"{path}.preemptionPolicy", ["PreemptLowerPriority", "Never"], causes);
        }

        if (isPod)
        {
            foreach (var list in new[] { "containers", "initContainers" })
            {
                foreach (var (i, c) in Nodes.Objects(spec[list]))
                {
                    var image = Nodes.Str(c, "image");
                    if (image.Length != image.Trim().Length)
                    {
                        causes.Add(StatusCause.Invalid($"{path}.{list}[{i}].image", image, "must not have leading or trailing whitespace"));
                    }
                }
            }
        }
    }

    /// <summary>
    /// <c>ValidatePodTemplateSpec</c> for the template at <c>{path}</c>: labels (reported at <c>{path}.labels</c>,
    /// as Kubernetes does), annotations and the pod spec.
    /// </summary>
    public static void ValidateTemplate(JsonObject? template, string path, List<StatusCause> causes)
    {
        Validation.ValidateLabels(Json.Object(template, "metadata", "labels"), $"{path}.labels", causes);
        Validation.ValidateAnnotations(Json.Object(template, "metadata", "annotations"), $"{path}.annotations", causes);
        ValidatePodSpec(Json.Object(template, "spec"), $"{path}.spec", isPod: false, causes);
        if (Json.Array(template, "spec", "ephemeralContainers") is { Count: > 0 })
        {
            causes.Add(StatusCause.Forbidden($"{path}.spec.ephemeralContainers", "ephemeral containers not allowed in pod template"));
        }
    }

    /// <summary><c>ValidateTolerations</c>.</summary>
    public static void ValidateTolerations(JsonNode? tolerations, string path, List<StatusCause> causes)
    {
        foreach (var (i, t) in Nodes.Objects(tolerations))
        {
            var at = $"{path}[{i}]";
            var key = Nodes.Str(t, "key");
            var op = Nodes.Str(t, "operator");
            var effect = Nodes.Str(t, "effect");
            if (key.Length > 0)
            {
                QualifiedName(key, $"{at}.key", causes);
            }

            if (key.Length == 0 && op != "Exists")
            {
                causes.Add(StatusCause.Invalid($"{at}.operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            }

            if (Nodes.Has(t, "tolerationSeconds") && effect != "NoExecute")
            {
                causes.Add(StatusCause.Invalid($"{at}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }

            var value = Nodes.Str(t, "value");
            switch (op)
            {
                case "Equal" or "":
                    if (Validation.IsValidLabelValue(value).ToList() is { Count: > 0 } problems)
                    {
                        causes.Add(StatusCause.Invalid($"{at}.operator", value, string.Join(";", problems)));
                    }

                    break;
                case "Exists":
                    if (value.Length > 0)
                    {
                        causes.Add(StatusCause.Invalid($"{at}.operator", value, "value must be empty when `operator` is 'Exists'"));
                    }

                    break;
                default:
                    causes.Add(StatusCause.NotSupported($"{at}.operator", op, ["Equal", "Exists"]));
                    break;
            }

            if (effect.Length > 0)
            {
                FieldRules.OneOf(effect, $"{at}.effect", TaintEffects, causes);
            }
        }
    }

    /// <summary><c>validateNodeTaints</c> (used by nodes).</summary>
    public static void ValidateTaints(JsonNode? taints, string path, List<StatusCause> causes)
    {
        var unique = new HashSet<(string, string)>();
        foreach (var (i, t) in Nodes.Objects(taints))
        {
            var at = $"{path}[{i}]";
            QualifiedName(Nodes.Str(t, "key"), $"{at}.key", causes);
            var value = Nodes.Str(t, "value");
            if (Validation.IsValidLabelValue(value).ToList() is { Count: > 0 } problems)
            {
                causes.Add(StatusCause.Invalid($"{at}.value", value, string.Join(";", problems)));
            }

            FieldRules.OneOf(Json.String(t, "effect"), $"{at}.effect", TaintEffects, causes);
            if (!unique.Add((Nodes.Str(t, "effect"), Nodes.Str(t, "key"))))
            {
                causes.Add(new StatusCause("FieldValueDuplicate", $"Duplicate value: {GoValue.Json(t)}: taints must be unique by key and effect pair", at));
            }
        }
    }

    private static void HostNetworkPorts(JsonObject spec, string path, bool isPod, List<StatusCause> causes)
    {
        if (!Nodes.IsTrue(spec, "hostNetwork"))
        {
            return;
        }

        foreach (var (i, c) in Nodes.Objects(spec["containers"]))
        {
            foreach (var (j, port) in Nodes.Objects(c["ports"]))
            {
                var hp = Nodes.Int(port, "hostPort");
                if ((isPod || hp != 0) && hp != Nodes.Int(port, "containerPort"))
                {
                    causes.Add(StatusCause.Invalid($"{path}.containers[{i}].ports[{j}].hostPort", hp, "must match `containerPort` when `hostNetwork` is true"));
                }
            }
        }
    }

    private static void DnsConfig(JsonObject spec, string path, List<StatusCause> causes)
    {
        var config = Json.Object(spec, "dnsConfig");
        if (Json.String(spec, "dnsPolicy") == "None")
        {
            if (config is null)
            {
                causes.Add(StatusCause.Required($"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"));
                return;
            }

            if (Json.Array(config, "nameservers") is not { Count: > 0 })
            {
                causes.Add(StatusCause.Required($"{path}.dnsConfig.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None"));
                return;
            }
        }

        if (config is null)
        {
            return;
        }

        var servers = Nodes.Strings(config["nameservers"]).ToList();
        if (servers.Count > 3)
        {
            causes.Add(StatusCause.Invalid($"{path}.dnsConfig.nameservers", GoValue.StringSlice(servers), "must not have more than 3 nameservers"));
        }

        for (var i = 0; i < servers.Count; i++)
        {
            FieldRules.Ip(servers[i], $"{path}.dnsConfig.nameservers[{i}]", causes);
        }

        var j = 0;
        foreach (var search in Nodes.Strings(config["searches"]))
        {
            var s = search == "." ? search : search.TrimEnd('.');
            if (s != ".")
            {
                Validation.IsDns1123Subdomain(s.Replace('_', '-')).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{path}.dnsConfig.searches[{j}]", s, msg)));
            }

            j++;
        }
    }

    private static void QualifiedName(string value, string path, List<StatusCause> causes) =>
        Validation.IsQualifiedName(value).ToList().ForEach(msg => causes.Add(StatusCause.Invalid(path, value, msg)));
}
