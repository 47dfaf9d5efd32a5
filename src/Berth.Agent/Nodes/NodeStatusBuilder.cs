using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Agent.Nodes;

/// <summary>
/// The Node object the agent registers and the status it reports, as the kubelet's <c>initialNode</c> and
/// <c>setNodeStatus</c> (pkg/kubelet/kubelet_node_status.go, nodestatus/setters.go) build them: labels, capacity and
/// allocatable, conditions with the kubelet's reasons and messages, addresses, nodeInfo, daemonEndpoints.
/// </summary>
internal static class NodeStatusBuilder
{
    public sealed record Sample(
        int Cpus,
        long MemoryBytes,
        long MemoryAvailableBytes,
        long DiskBytes,
        long DiskAvailableBytes,
        long PidsInUse,
        long PidMax,
        string InternalIP,
        string Hostname,
        string RuntimeVersion,
        bool RuntimeReady,
        string? RuntimeProblem);

    public const long PodsCapacity = 110;

    public static JsonObject Labels(AgentOptions options)
    {
        var labels = new JsonObject
        {
            ["kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = MachineInfo.Architecture,
            ["beta.kubernetes.io/arch"] = MachineInfo.Architecture,
            ["kubernetes.io/hostname"] = options.NodeName,
        };
        if (options.ControlPlane)
        {
            labels["node-role.kubernetes.io/control-plane"] = "";
        }

        return labels;
    }

    public static JsonObject Status(AgentOptions options, Sample s, JsonObject? previous, DateTimeOffset now)
    {
        var capacity = new JsonObject
        {
            ["cpu"] = s.Cpus.ToString(CultureInfo.InvariantCulture),
            ["memory"] = $"{s.MemoryBytes / 1024}Ki",
            ["pods"] = PodsCapacity.ToString(CultureInfo.InvariantCulture),
            ["ephemeral-storage"] = $"{s.DiskBytes / 1024}Ki",
            ["hugepages-2Mi"] = "0",
        };
        var allocatable = (JsonObject)capacity.DeepClone();
        allocatable["memory"] = $"{Math.Max(0, s.MemoryBytes - (100L << 20)) / 1024}Ki";
        allocatable["ephemeral-storage"] = ((long)(s.DiskBytes * 0.9)).ToString(CultureInfo.InvariantCulture);

        var memoryPressure = s.MemoryAvailableBytes < 100L << 20;
        var diskPressure = s.DiskBytes > 0 && s.DiskAvailableBytes < s.DiskBytes / 10;
        var pidPressure = s.PidMax > 0 && s.PidsInUse > s.PidMax * 9 / 10;
        var conditions = new JsonArray
        {
            Condition(previous, now, "MemoryPressure", memoryPressure,
                memoryPressure ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
                memoryPressure ? "kubelet has insufficient memory available" : "kubelet has sufficient memory available"),
            Condition(previous, now, "DiskPressure", diskPressure,
                diskPressure ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
                diskPressure ? "kubelet has disk pressure" : "kubelet has no disk pressure"),
            Condition(previous, now, "PIDPressure", pidPressure,
                pidPressure ? "KubeletHasInsufficientPID" : "KubeletHasSufficientPID",
                pidPressure ? "kubelet has insufficient PID available" : "kubelet has sufficient PID available"),
            Condition(previous, now, "Ready", s.RuntimeReady,
                s.RuntimeReady ? "KubeletReady" : "KubeletNotReady",
                s.RuntimeReady ? "kubelet is posting ready status" : $"container runtime is down: {s.RuntimeProblem}"),
        };

        return new JsonObject
        {
            ["capacity"] = capacity,
            ["allocatable"] = allocatable,
            ["conditions"] = conditions,
            ["addresses"] = new JsonArray(
                new JsonObject { ["type"] = "InternalIP", ["address"] = s.InternalIP },
                new JsonObject { ["type"] = "Hostname", ["address"] = s.Hostname }),
            ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
            ["nodeInfo"] = new JsonObject
            {
                ["machineID"] = MachineInfo.MachineId,
                ["systemUUID"] = MachineInfo.SystemUuid,
                ["bootID"] = MachineInfo.BootId,
                ["kernelVersion"] = MachineInfo.KernelVersion,
                ["osImage"] = MachineInfo.OsImage,
                ["containerRuntimeVersion"] = s.RuntimeVersion,
                ["kubeletVersion"] = options.KubeletVersion,
                ["kubeProxyVersion"] = "",
                ["operatingSystem"] = "linux",
                ["architecture"] = MachineInfo.Architecture,
            },
        };
    }

    /// <summary>Whether the conditions' statuses differ (heartbeat times aside): a change is written at once.</summary>
    public static bool ConditionsChanged(JsonObject? before, JsonObject after)
    {
        string Key(JsonObject? status) => string.Join(",", (Json.Array(status, "conditions") ?? []).OfType<JsonObject>()
            .Select(c => $"{Json.String(c, "type")}={Json.String(c, "status")}").Order(StringComparer.Ordinal));
        return Key(before) != Key(after);
    }

    private static JsonObject Condition(JsonObject? previous, DateTimeOffset now, string type, bool status, string reason, string message)
    {
        var value = status ? "True" : "False";
        var old = (Json.Array(previous, "conditions") ?? []).OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == type);
        var stamp = Time(now);
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = value,
            ["lastHeartbeatTime"] = stamp,
            ["lastTransitionTime"] = Json.String(old, "status") == value && Json.String(old, "lastTransitionTime") is { } t ? t : stamp,
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
