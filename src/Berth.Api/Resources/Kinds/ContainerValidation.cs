using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Container validation of pkg/apis/core/validation (<c>validateContainers</c>, <c>validateInitContainers</c>,
/// <c>validateContainerCommon</c>, ports, env, probes, resources), with Kubernetes' field paths and messages.
/// Volume mounts are checked by <see cref="VolumeValidation"/>.
/// </summary>
internal static class ContainerValidation
{
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] MessagePolicies = ["File", "FallbackToLogsOnError"];
    private static readonly string[] HttpSchemes = ["HTTP", "HTTPS"];
    private static readonly string[] EnvFieldPaths =
        ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"];
    private static readonly string[] ResourceFieldPaths =
        ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"];

    /// <summary><c>validateContainers</c>: at least one container, unique names, probes, host ports across containers.</summary>
    public static void ValidateContainers(JsonObject spec, string path, IReadOnlySet<string> volumes, List<StatusCause> causes)
    {
        var at = $"{path}.containers";
        if (spec["containers"] is not JsonArray { Count: > 0 } containers)
        {
            causes.Add(StatusCause.Required(at));
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var grace = Json.Long(spec, "terminationGracePeriodSeconds");
        foreach (var (i, c) in Nodes.Objects(containers))
        {
            var cp = $"{at}[{i}]";
            ValidateCommon(c, cp, volumes, causes);
            var name = Nodes.Str(c, "name");
            if (!names.Add(name))
            {
                causes.Add(StatusCause.Duplicate($"{cp}.name", name));
            }

            if (Json.Object(c, "lifecycle") is { } lifecycle)
            {
                ValidateLifecycle(lifecycle, $"{cp}.lifecycle", grace, causes);
            }

            ValidateProbe(c["livenessProbe"], $"{cp}.livenessProbe", ProbeKind.Liveness, causes);
            ValidateProbe(c["readinessProbe"], $"{cp}.readinessProbe", ProbeKind.Readiness, causes);
            ValidateProbe(c["startupProbe"], $"{cp}.startupProbe", ProbeKind.Startup, causes);
            if (Nodes.Has(c, "restartPolicy"))
            {
                causes.Add(StatusCause.Forbidden($"{cp}.restartPolicy", "may not be set for non-init containers"));
            }
        }

        HostPortConflicts(Nodes.Objects(containers), at, causes);
    }

    /// <summary><c>validateInitContainers</c>: names unique with the regular containers; probes only for restartable (sidecar) ones.</summary>
    public static void ValidateInitContainers(JsonObject spec, string path, IReadOnlySet<string> volumes, List<StatusCause> causes)
    {
        var at = $"{path}.initContainers";
        var names = Nodes.Objects(spec["containers"]).Select(c => Nodes.Str(c.Item, "name")).ToHashSet(StringComparer.Ordinal);
        var grace = Json.Long(spec, "terminationGracePeriodSeconds");
        foreach (var (i, c) in Nodes.Objects(spec["initContainers"]))
        {
            var cp = $"{at}[{i}]";
            ValidateCommon(c, cp, volumes, causes);
            var sidecar = false;
            if (Nodes.Has(c, "restartPolicy"))
            {
                FieldRules.OneOf(Json.String(c, "restartPolicy"), $"{cp}.restartPolicy", ["Always"], causes, required: false);
                sidecar = Json.String(c, "restartPolicy") == "Always";
            }

            var name = Nodes.Str(c, "name");
            if (names.Contains(name))
            {
                causes.Add(StatusCause.Duplicate($"{cp}.name", name));
            }
            else if (name.Length > 0)
            {
                names.Add(name);
            }

            HostPortConflicts([(i, c)], at, causes);
            if (sidecar)
            {
                if (Json.Object(c, "lifecycle") is { } lifecycle)
                {
                    ValidateLifecycle(lifecycle, $"{cp}.lifecycle", grace, causes);
                }

                ValidateProbe(c["livenessProbe"], $"{cp}.livenessProbe", ProbeKind.Liveness, causes);
                ValidateProbe(c["readinessProbe"], $"{cp}.readinessProbe", ProbeKind.Readiness, causes);
                ValidateProbe(c["startupProbe"], $"{cp}.startupProbe", ProbeKind.Startup, causes);
            }
            else
            {
                foreach (var field in new[] { "lifecycle", "livenessProbe", "readinessProbe", "startupProbe" })
                {
                    if (Nodes.Has(c, field))
                    {
                        causes.Add(StatusCause.Forbidden($"{cp}.{field}", "may not be set for init containers without restartPolicy=Always"));
                    }
                }
            }
        }
    }

    /// <summary><c>validateContainerCommon</c>: name, image, termination message policy, ports, env, mounts, pull policy, resources.</summary>
    public static void ValidateCommon(JsonObject c, string path, IReadOnlySet<string> volumes, List<StatusCause> causes)
    {
        var name = Nodes.Str(c, "name");
        if (name.Length == 0)
        {
            causes.Add(StatusCause.Required($"{path}.name"));
        }
        else
        {
            foreach (var msg in Validation.IsDns1123Label(name))
            {
                causes.Add(StatusCause.Invalid($"{path}.name", name, msg));
            }
        }

        if (Nodes.Str(c, "image").Length == 0)
        {
            causes.Add(StatusCause.Required($"{path}.image"));
        }

        FieldRules.OneOf(Json.String(c, "terminationMessagePolicy"), $"{path}.terminationMessagePolicy", MessagePolicies, causes);
        ValidatePorts(c, $"{path}.ports", causes);
        ValidateEnv(c, path, causes);
        VolumeValidation.ValidateMounts(c, $"{path}.volumeMounts", volumes, causes);
        FieldRules.OneOf(Json.String(c, "imagePullPolicy"), $"{path}.imagePullPolicy", PullPolicies, causes);
        ValidateResources(Json.Object(c, "resources"), $"{path}.resources", causes);
    }

    private static void ValidatePorts(JsonObject c, string path, List<StatusCause> causes)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, port) in Nodes.Objects(c["ports"]))
        {
            var at = $"{path}[{i}]";
            var name = Nodes.Str(port, "name");
            if (name.Length > 0)
            {
                var problems = FieldRules.PortName(name).ToList();
                problems.ForEach(msg => causes.Add(StatusCause.Invalid($"{at}.name", name, msg)));
                if (problems.Count == 0 && !names.Add(name))
                {
                    causes.Add(StatusCause.Duplicate($"{at}.name", name));
                }
            }

            var containerPort = Nodes.Int(port, "containerPort");
            if (containerPort == 0)
            {
                causes.Add(StatusCause.Required($"{at}.containerPort"));
            }
            else
            {
                FieldRules.PortNumber(containerPort).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{at}.containerPort", containerPort, msg)));
            }

            if (Nodes.Int(port, "hostPort") is var hostPort and not 0)
            {
                FieldRules.PortNumber(hostPort).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{at}.hostPort", hostPort, msg)));
            }

            FieldRules.OneOf(Json.String(port, "protocol"), $"{at}.protocol", Protocols, causes);
        }
    }

    /// <summary><c>AccumulateUniqueHostPorts</c>: the same protocol/hostIP/hostPort twice is a duplicate.</summary>
    private static void HostPortConflicts(IEnumerable<(int Index, JsonObject Item)> containers, string path, List<StatusCause> causes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (ci, c) in containers)
        {
            foreach (var (pi, port) in Nodes.Objects(c["ports"]))
            {
                if (Nodes.Int(port, "hostPort") is var hp and not 0)
                {
                    var key = $"{Nodes.Str(port, "protocol")}/{Nodes.Str(port, "hostIP")}/{hp}";
                    if (!seen.Add(key))
                    {
                        causes.Add(StatusCause.Duplicate($"{path}[{ci}].ports[{pi}].hostPort", key));
                    }
                }
            }
        }
    }

    private static void ValidateEnv(JsonObject c, string path, List<StatusCause> causes)
    {
        foreach (var (i, env) in Nodes.Objects(c["env"]))
        {
            var at = $"{path}.env[{i}]";
            var name = Nodes.Str(env, "name");
            if (name.Length == 0)
            {
                causes.Add(StatusCause.Required($"{at}.name"));
            }
            else
            {
                FieldRules.EnvVarName(name).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{at}.name", name, msg)));
            }

            if (Json.Object(env, "valueFrom") is { } from)
            {
                ValidateValueFrom(from, Nodes.Str(env, "value"), $"{at}.valueFrom", causes);
            }
        }

        foreach (var (i, from) in Nodes.Objects(c["envFrom"]))
        {
            var at = $"{path}.envFrom[{i}]";
            if (Nodes.Str(from, "prefix") is { Length: > 0 } prefix)
            {
                FieldRules.EnvVarName(prefix).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{at}.prefix", prefix, msg)));
            }

            var sources = 0;
            foreach (var kind in new[] { "configMapRef", "secretRef" })
            {
                if (Json.Object(from, kind) is { } reference)
                {
                    sources++;
                    RequiredSubdomain(reference, "name", $"{at}.{kind}.name", causes);
                }
            }

            if (sources != 1)
            {
                causes.Add(StatusCause.Invalid($"{path}.envFrom", "", sources == 0
                    ? "must specify one of: `configMapRef` or `secretRef`"
                    : "may not have more than one field specified at a time"));
            }
        }
    }

    private static void ValidateValueFrom(JsonObject from, string value, string path, List<StatusCause> causes)
    {
        var sources = 0;
        if (Json.Object(from, "fieldRef") is { } fieldRef)
        {
            sources++;
            var fp = $"{path}.fieldRef";
            if (Nodes.Str(fieldRef, "apiVersion").Length == 0)
            {
                causes.Add(StatusCause.Required($"{fp}.apiVersion"));
            }
            else if (Nodes.Str(fieldRef, "fieldPath") is var fieldPath && fieldPath.Length == 0)
            {
                causes.Add(StatusCause.Required($"{fp}.fieldPath"));
            }
            else if (fieldPath.StartsWith("metadata.labels[", StringComparison.Ordinal) || fieldPath.StartsWith("metadata.annotations[", StringComparison.Ordinal))
            {
                // Subscripted label/annotation paths are accepted; their key is a qualified name.
            }
            else if (!EnvFieldPaths.Contains(fieldPath))
            {
                causes.Add(StatusCause.NotSupported($"{fp}.fieldPath", fieldPath, EnvFieldPaths));
            }
        }

        if (Json.Object(from, "resourceFieldRef") is { } resourceRef)
        {
            sources++;
            var resource = Nodes.Str(resourceRef, "resource");
            if (resource.Length == 0)
            {
                causes.Add(StatusCause.Required($"{path}.resourceFieldRef.resource"));
            }
            else if (!ResourceFieldPaths.Contains(resource) && !resource.StartsWith("requests.hugepages-", StringComparison.Ordinal) && !resource.StartsWith("limits.hugepages-", StringComparison.Ordinal))
            {
                causes.Add(StatusCause.NotSupported($"{path}.resourceFieldRef.resource", resource, ResourceFieldPaths));
            }
        }

        foreach (var kind in new[] { "configMapKeyRef", "secretKeyRef" })
        {
            if (Json.Object(from, kind) is not { } keyRef)
            {
                continue;
            }

            sources++;
            var name = Nodes.Str(keyRef, "name");
            foreach (var msg in Validation.IsDns1123Subdomain(name))
            {
                causes.Add(StatusCause.Invalid($"{path}.{kind}.name", name, msg));
            }

            var key = Nodes.Str(keyRef, "key");
            if (key.Length == 0)
            {
                causes.Add(StatusCause.Required($"{path}.{kind}.key"));
            }
            else
            {
                FieldRules.ConfigKey(key).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{path}.{kind}.key", key, msg)));
            }
        }

        if (sources == 0)
        {
            causes.Add(StatusCause.Invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
        }
        else if (value.Length != 0)
        {
            causes.Add(StatusCause.Invalid(path, "", "may not be specified when `value` is not empty"));
        }
        else if (sources > 1)
        {
            causes.Add(StatusCause.Invalid(path, "", "may not have more than one field specified at a time"));
        }
    }

    /// <summary><c>ValidateContainerResourceRequirements</c>: names, quantities, and requests not above limits.</summary>
    public static void ValidateResources(JsonObject? resources, string path, List<StatusCause> causes)
    {
        var limits = new Dictionary<string, (decimal Value, string Text)>(StringComparer.Ordinal);
        foreach (var (name, value) in Json.Object(resources, "limits") ?? [])
        {
            if (ResourceValue(name, value, $"{path}.limits[{name}]", causes) is { } q)
            {
                limits[name] = (q, Quantity.Text(value));
            }
        }

        foreach (var (name, value) in Json.Object(resources, "requests") ?? [])
        {
            if (ResourceValue(name, value, $"{path}.requests[{name}]", causes) is not { } q || !limits.TryGetValue(name, out var limit))
            {
                continue;
            }

            var overcommit = IsNative(name) && !name.StartsWith("hugepages-", StringComparison.Ordinal);
            if (q != limit.Value && !overcommit)
            {
                causes.Add(StatusCause.Invalid($"{path}.requests", Quantity.Text(value), $"must be equal to {name} limit of {limit.Text}"));
            }
            else if (q > limit.Value)
            {
                causes.Add(StatusCause.Invalid($"{path}.requests", Quantity.Text(value), $"must be less than or equal to {name} limit of {limit.Text}"));
            }
        }
    }

    private static decimal? ResourceValue(string name, JsonNode? value, string path, List<StatusCause> causes)
    {
        var nameProblems = Validation.IsQualifiedName(name).ToList();
        nameProblems.ForEach(msg => causes.Add(StatusCause.Invalid(path, name, msg)));
        if (nameProblems.Count == 0 && !name.Contains('/', StringComparison.Ordinal) &&
            name is not ("cpu" or "memory" or "ephemeral-storage") && !name.StartsWith("hugepages-", StringComparison.Ordinal))
        {
            causes.Add(StatusCause.Invalid(path, name, "must be a standard resource for containers"));
        }

        if (Quantity.Parse(value) is not { } q)
        {
            causes.Add(StatusCause.Invalid(path, Quantity.Text(value), Quantity.FormatMessage));
            return null;
        }

        if (q < 0)
        {
            causes.Add(StatusCause.Invalid(path, Quantity.Text(value), FieldRules.NegativeMessage));
        }
        else if (!IsNative(name) && decimal.Truncate(q) != q)
        {
            causes.Add(StatusCause.Invalid(path, Quantity.Text(value), "must be an integer"));
        }

        return q;
    }

    private static bool IsNative(string name) => !name.Contains('/', StringComparison.Ordinal) || name.Contains("kubernetes.io/", StringComparison.Ordinal);

    private enum ProbeKind
    {
        Liveness,
        Readiness,
        Startup,
    }

    private static void ValidateProbe(JsonNode? node, string path, ProbeKind kind, List<StatusCause> causes)
    {
        if (node is not JsonObject probe)
        {
            return;
        }

        ValidateHandler(probe, path, ["exec", "httpGet", "tcpSocket", "grpc"], causes);
        foreach (var field in new[] { "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold" })
        {
            FieldRules.NonNegative(probe[field], $"{path}.{field}", causes);
        }

        if (Json.Long(probe, "terminationGracePeriodSeconds") is { } g)
        {
            if (kind == ProbeKind.Readiness)
            {
                causes.Add(StatusCause.Invalid($"{path}.terminationGracePeriodSeconds", g, "must not be set for readinessProbes"));
            }
            else if (g <= 0)
            {
                causes.Add(StatusCause.Invalid($"{path}.terminationGracePeriodSeconds", g, "must be greater than 0"));
            }
        }

        if (kind != ProbeKind.Readiness && Nodes.Int(probe, "successThreshold") != 1)
        {
            causes.Add(StatusCause.Invalid($"{path}.successThreshold", Nodes.Int(probe, "successThreshold"), "must be 1"));
        }
    }

    private static void ValidateLifecycle(JsonObject lifecycle, string path, long? grace, List<StatusCause> causes)
    {
        foreach (var hook in new[] { "postStart", "preStop" })
        {
            if (lifecycle[hook] is JsonObject handler)
            {
                ValidateHandler(handler, $"{path}.{hook}", ["exec", "httpGet", "tcpSocket", "sleep"], causes);
                if (Json.Object(handler, "sleep") is { } sleep && grace is { } g && Nodes.Int(sleep, "seconds") is var s && (s < 0 || s > g))
                {
                    causes.Add(StatusCause.Invalid($"{path}.{hook}.sleep", s, $"must be non-negative and less than terminationGracePeriodSeconds ({g})"));
                }
            }
        }
    }

    /// <summary><c>validateHandler</c>: exactly one handler type, each with its own required fields.</summary>
    private static void ValidateHandler(JsonObject handler, string path, string[] types, List<StatusCause> causes)
    {
        var count = 0;
        foreach (var type in types)
        {
            if (handler[type] is not JsonObject h)
            {
                continue;
            }

            if (count++ > 0)
            {
                causes.Add(StatusCause.Forbidden($"{path}.{type}", "may not specify more than 1 handler type"));
                continue;
            }

            var at = $"{path}.{type}";
            switch (type)
            {
                case "exec" when h["command"] is not JsonArray { Count: > 0 }:
                    causes.Add(StatusCause.Required($"{at}.command"));
                    break;
                case "httpGet":
                    if (Nodes.Str(h, "path").Length == 0)
                    {
                        causes.Add(StatusCause.Required($"{at}.path"));
                    }

                    FieldRules.PortNumOrName(h["port"], $"{at}.port", causes);
                    FieldRules.OneOf(Nodes.Str(h, "scheme"), $"{at}.scheme", HttpSchemes, causes, required: false);
                    if (Nodes.Str(h, "scheme").Length == 0)
                    {
                        causes.Add(StatusCause.NotSupported($"{at}.scheme", "", HttpSchemes));
                    }

                    break;
                case "tcpSocket":
                    FieldRules.PortNumOrName(h["port"], $"{at}.port", causes);
                    break;
                case "grpc":
                    FieldRules.PortNumOrName(Nodes.Int(h, "port"), $"{at}.port", causes);
                    break;
            }
        }

        if (count == 0)
        {
            causes.Add(StatusCause.Required(path, "must specify a handler type"));
        }
    }

    private static void RequiredSubdomain(JsonObject o, string key, string path, List<StatusCause> causes)
    {
        var value = Nodes.Str(o, key);
        if (value.Length == 0)
        {
            causes.Add(StatusCause.Required(path));
            return;
        }

        foreach (var msg in Validation.IsDns1123Subdomain(value))
        {
            causes.Add(StatusCause.Invalid(path, value, msg));
        }
    }
}
