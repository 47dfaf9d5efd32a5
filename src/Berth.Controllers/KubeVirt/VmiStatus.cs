using System.Text.Json.Nodes;
using Berth.Api.KubeVirt;
using Berth.Api.Resources;

namespace Berth.Controllers.KubeVirt;

/// <summary>
/// A VMI's status from its pod, after KubeVirt's VMI controller (<c>pkg/virt-controller/watch/vmi/lifecycle.go</c>,
/// <c>updateStatus</c>), where the pod's compute container is the VM itself (no virt-handler in between):
/// <list type="bullet">
/// <item><c>phase</c>: see <see cref="VmiPhase"/>; never goes back;</item>
/// <item><c>nodeName</c>, <c>activePods</c> ({pod uid: node}), <c>qosClass</c> from the pod;</item>
/// <item><c>interfaces</c> once Running: the pod IP(s) (bridge: the guest holds the pod IP; masquerade: the pod IP
///   reaches the guest through NAT, as KubeVirt reports it), the interface name, <c>interfaceName: eth0</c>, the MAC
///   when the agent reports it;</item>
/// <item>conditions: <c>Ready</c> (KubeVirt's <c>syncReadyConditionFromPod</c>: the pod's Ready condition while
///   Running, else False with PodNotExists / PodTerminating / GuestNotRunning), <c>PodScheduled</c> (the pod's, while
///   it is False), <c>Synchronized</c> (False with the reason and message of what keeps the VM from starting: the
///   pod's ErrImagePull / ImagePullBackOff with the registry's error, a container that cannot be created, or a pod
///   the controller could not create);</item>
/// <item><c>phaseTransitionTimestamps</c>: one entry per phase reached.</item>
/// </list>
/// Pure: the same VMI, pod and time give the same status, and times only move when something changes.
/// </summary>
public static class VmiStatus
{
    private static readonly string[] StartErrors = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerError", "CreateContainerConfigError", "RunContainerError"];

    /// <param name="vmi">The VMI as stored.</param>
    /// <param name="pod">Its pod, or null.</param>
    /// <param name="podGone">True when the VMI had a pod (past Pending) that is confirmed gone.</param>
    /// <param name="syncError">Why the pod could not be created, if that failed.</param>
    /// <param name="now">The current time.</param>
    public static JsonObject Compute(JsonObject vmi, JsonObject? pod, bool podGone, (string Reason, string Message)? syncError, DateTimeOffset now)
    {
        var status = Json.Object(vmi, "status")?.DeepClone() as JsonObject ?? [];
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var old = Json.String(status, "phase");
        var phase = NextPhase(old, pod, podGone);
        if (phase != old)
        {
            status["phase"] = phase;
            var transitions = status["phaseTransitionTimestamps"] as JsonArray ?? [];
            transitions.Add(new JsonObject { ["phase"] = phase, ["phaseTransitionTimestamp"] = stamp });
            status["phaseTransitionTimestamps"] = transitions;
        }

        var conditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = conditions;
        if (pod is not null)
        {
            var node = Json.String(pod, "spec", "nodeName");
            if (!string.IsNullOrEmpty(node))
            {
                status["nodeName"] = node;
            }

            status["activePods"] = new JsonObject { [Json.String(pod, "metadata", "uid") ?? ""] = node ?? "" };
            if (Json.String(pod, "status", "qosClass") is { } qos)
            {
                status["qosClass"] = qos;
            }

            if (phase == VmiPhase.Running && Json.String(pod, "status", "podIP") is { Length: > 0 } ip)
            {
                status["interfaces"] = Interfaces(vmi, pod, ip);
            }
        }
        else if (podGone || VmiPhase.IsFinal(phase))
        {
            status.Remove("activePods");
        }

        Ready(conditions, pod, phase, stamp);
        var podScheduled = KubeVirtConditions.Get(Json.Array(pod, "status", "conditions"), "PodScheduled");
        if (pod is not null && Json.String(podScheduled, "status") == "False")
        {
            KubeVirtConditions.Copy(conditions, podScheduled!);
        }
        else
        {
            KubeVirtConditions.Remove(conditions, "PodScheduled");
        }

        var failure = syncError ?? (VmiPhase.Rank(phase) < VmiPhase.Rank(VmiPhase.Running) ? StartError(pod) : null);
        if (failure is { } f)
        {
            KubeVirtConditions.Set(conditions, "Synchronized", "False", f.Reason, f.Message, stamp);
        }
        else
        {
            KubeVirtConditions.Remove(conditions, "Synchronized");
        }

        return status;
    }

    private static string NextPhase(string? old, JsonObject? pod, bool podGone)
    {
        if (VmiPhase.IsFinal(old))
        {
            return old!;
        }

        if (pod is null)
        {
            return podGone ? VmiPhase.Failed : VmiPhase.IsUnprocessed(old) ? VmiPhase.Pending : old!;
        }

        var computed = Json.String(pod, "status", "phase") switch
        {
            "Succeeded" => VmiPhase.Succeeded,
            "Failed" => VmiPhase.Failed,
            _ when string.IsNullOrEmpty(Json.String(pod, "spec", "nodeName")) => VmiPhase.Scheduling,
            "Running" when ComputeState(pod)?["running"] is not null => VmiPhase.Running,
            _ => VmiPhase.Scheduled,
        };
        return VmiPhase.Rank(computed) >= VmiPhase.Rank(old) ? computed : old!;
    }

    private static void Ready(JsonArray conditions, JsonObject? pod, string phase, string stamp)
    {
        var podReady = KubeVirtConditions.Get(Json.Array(pod, "status", "conditions"), "Ready");
        if (pod is null)
        {
            KubeVirtConditions.Set(conditions, "Ready", "False", "PodNotExists", "virt-launcher pod has not yet been scheduled", stamp);
        }
        else if (Json.String(pod, "metadata", "deletionTimestamp") is not null || Json.String(pod, "status", "phase") is "Succeeded" or "Failed")
        {
            KubeVirtConditions.Set(conditions, "Ready", "False", "PodTerminating", "virt-launcher pod is terminating", stamp);
        }
        else if (phase != VmiPhase.Running)
        {
            KubeVirtConditions.Set(conditions, "Ready", "False", "GuestNotRunning", "Guest VM is not reported as running", stamp);
        }
        else if (podReady is not null)
        {
            KubeVirtConditions.Set(conditions, "Ready", Json.String(podReady, "status") ?? "Unknown", Json.String(podReady, "reason"),
                Json.String(podReady, "message"), Json.String(podReady, "lastTransitionTime") ?? stamp);
        }
        else
        {
            KubeVirtConditions.Set(conditions, "Ready", "False", "PodConditionMissing", "virt-launcher pod is missing the Ready condition", stamp);
        }
    }

    /// <summary>KubeVirt's <c>checkForContainerImageError</c>, widened to the other reasons a container cannot start.</summary>
    private static (string Reason, string Message)? StartError(JsonObject? pod)
    {
        foreach (var status in Json.Array(pod, "status", "containerStatuses")?.OfType<JsonObject>() ?? [])
        {
            if (Json.Object(status, "state", "waiting") is { } waiting && Json.String(waiting, "reason") is { } reason && StartErrors.Contains(reason))
            {
                return (reason, Json.String(waiting, "message") ?? reason);
            }
        }

        return null;
    }

    private static JsonObject? ComputeState(JsonObject pod) =>
        Json.Array(pod, "status", "containerStatuses")?.OfType<JsonObject>()
            .FirstOrDefault(c => Json.String(c, "name") == KubeVirtNames.ComputeContainer) is { } c ? Json.Object(c, "state") : null;

    private static JsonArray Interfaces(JsonObject vmi, JsonObject pod, string ip)
    {
        var iface = Json.Array(vmi, "spec", "domain", "devices", "interfaces")?.OfType<JsonObject>().FirstOrDefault();
        if (iface is null)
        {
            return [];
        }

        var ips = Json.Array(pod, "status", "podIPs")?.OfType<JsonObject>().Select(p => Json.String(p, "ip")).OfType<string>().ToList() ?? [];
        if (ips.Count == 0)
        {
            ips.Add(ip);
        }

        var result = new JsonObject
        {
            ["name"] = Json.String(iface, "name") ?? "default",
            ["interfaceName"] = "eth0",
            ["ipAddress"] = ip,
            ["ipAddresses"] = new JsonArray([.. ips.Select(a => (JsonNode)JsonValue.Create(a))]),
            ["infoSource"] = "domain",
            ["podInterfaceName"] = "eth0",
        };
        if (Json.String(pod, "metadata", "annotations", KubeVirtNames.MacAnnotation) is { Length: > 0 } mac)
        {
            result["mac"] = mac;
        }

        return [result];
    }
}
