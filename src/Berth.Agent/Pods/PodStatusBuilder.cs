using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// Computes the part of a pod's status the node owns, as the kubelet's <c>generateAPIPodStatus</c> does: phase
/// (<c>getPhase</c>), conditions (PodReadyToStartContainers, Initialized, ContainersReady, Ready, PodScheduled kept or
/// added), container statuses (init in spec order, regular sorted by name), pod and host IPs, start time. Pure.
/// A pod that reached Succeeded or Failed stays there.
/// </summary>
internal static class PodStatusBuilder
{
    public sealed record Input(
        V1Pod Pod,
        JsonObject? OldStatus,
        IReadOnlyList<ContainerTrack> InitContainers,
        IReadOnlyList<ContainerTrack> Containers,
        string? PodIP,
        string? HostIP,
        bool SandboxReady,
        DateTimeOffset Now,
        bool Terminated = false);

    /// <summary>The status fields to write (phase, conditions, containerStatuses, initContainerStatuses, IPs, startTime).</summary>
    public static JsonObject Build(Input input)
    {
        var pod = input.Pod;
        var old = input.OldStatus;
        var phase = Phase(pod, input.InitContainers, input.Containers, Json.String(old, "phase"), input.Terminated);
        var terminal = phase is "Succeeded" or "Failed";
        var status = new JsonObject { ["phase"] = phase };

        var conditions = new JsonArray();
        void Add(string type, bool ok, string? reason = null, string? message = null)
        {
            var previous = Condition(old, type);
            var value = ok ? "True" : "False";
            var c = new JsonObject
            {
                ["type"] = type,
                ["status"] = value,
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = Json.String(previous, "status") == value && Json.String(previous, "lastTransitionTime") is { } t ? t : Time(input.Now),
            };
            if (reason is not null)
            {
                c["reason"] = reason;
            }

            if (message is not null)
            {
                c["message"] = message;
            }

            conditions.Add(c);
        }

        Add("PodReadyToStartContainers", input.SandboxReady && !terminal);
        var incompleteInit = input.InitContainers.Where(t => t.Terminated is not { ExitCode: 0 }).Select(t => t.Name).ToList();
        if (incompleteInit.Count == 0)
        {
            Add("Initialized", true);
        }
        else if (terminal)
        {
            Add("Initialized", false, "PodCompleted");
        }
        else
        {
            Add("Initialized", false, "ContainersNotInitialized", $"containers with incomplete status: [{string.Join(" ", incompleteInit)}]");
        }

        var unready = input.Containers.Where(t => !(t.Running && t.Probes.Ready && t.Probes.Started)).Select(t => t.Name).ToList();
        if (terminal)
        {
            Add("Ready", false, "PodCompleted");
            Add("ContainersReady", false, "PodCompleted");
        }
        else if (unready.Count == 0)
        {
            var gates = (pod.Spec.ReadinessGates ?? []).Select(g => g.ConditionType).Where(g => Json.String(Condition(old, g), "status") != "True").ToList();
            if (gates.Count == 0)
            {
                Add("Ready", true);
            }
            else
            {
                Add("Ready", false, "ReadinessGatesNotReady", $"corresponding condition of pod readiness gate \"{gates[0]}\" does not exist.");
            }

            Add("ContainersReady", true);
        }
        else
        {
            var message = $"containers with unready status: [{string.Join(" ", unready)}]";
            Add("Ready", false, "ContainersNotReady", message);
            Add("ContainersReady", false, "ContainersNotReady", message);
        }

        if (Condition(old, "PodScheduled") is { } scheduled)
        {
            conditions.Add(scheduled.DeepClone());
        }
        else
        {
            Add("PodScheduled", true);
        }

        // Conditions of other writers (readiness gates, DisruptionTarget...) are kept.
        var owned = new HashSet<string>(["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"], StringComparer.Ordinal);
        foreach (var c in Json.Array(old, "conditions") ?? [])
        {
            if (c is JsonObject o && Json.String(o, "type") is { } type && !owned.Contains(type))
            {
                conditions.Add(o.DeepClone());
            }
        }

        status["conditions"] = conditions;
        if (input.HostIP is { Length: > 0 } host)
        {
            status["hostIP"] = host;
            status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = host });
        }

        if (input.PodIP is { Length: > 0 } ip)
        {
            status["podIP"] = ip;
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip });
        }

        status["startTime"] = Json.String(old, "startTime") ?? Time(input.Now);
        if (input.InitContainers.Count > 0)
        {
            status["initContainerStatuses"] = new JsonArray(input.InitContainers.Select(t => (JsonNode)ContainerStatus(t, pod, ready: t.Terminated is { ExitCode: 0 })).ToArray());
        }

        status["containerStatuses"] = new JsonArray(input.Containers.OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (JsonNode)ContainerStatus(t, pod, ready: t.Running && t.Probes.Ready && t.Probes.Started)).ToArray());
        return status;
    }

    /// <summary>
    /// The kubelet's <c>getPhase</c>: Pending while init containers are not done or a container waits for its first
    /// start; Running while one runs; once all have stopped: Succeeded/Failed by the restart policy and exit codes.
    /// </summary>
    /// <remarks>With <paramref name="terminated"/> (the pod was stopped for deletion) the pod ends Succeeded when every
    /// container exited 0 and Failed otherwise, whatever its restart policy, as the kubelet does since 1.27.</remarks>
    public static string Phase(V1Pod pod, IReadOnlyList<ContainerTrack> init, IReadOnlyList<ContainerTrack> containers, string? oldPhase, bool terminated = false)
    {
        if (oldPhase is "Succeeded" or "Failed")
        {
            return oldPhase;
        }

        var policy = terminated ? "Never" : pod.Spec.RestartPolicy ?? "Always";
        foreach (var t in init)
        {
            if (t.Terminated is { ExitCode: 0 })
            {
                continue;
            }

            if (t.Terminated is not null && policy == "Never")
            {
                return "Failed";
            }

            return terminated ? "Failed" : "Pending";
        }

        int running = 0, waiting = 0, stopped = 0, succeeded = 0;
        foreach (var t in containers)
        {
            if (t.Running)
            {
                running++;
            }
            else if (t.Terminated is { } term && t.Waiting is null)
            {
                stopped++;
                if (term.ExitCode == 0)
                {
                    succeeded++;
                }
            }
            else if (t.Waiting is not null && (t.Terminated ?? t.LastTermination) is { } last)
            {
                stopped++;
                if (last.ExitCode == 0)
                {
                    succeeded++;
                }
            }
            else
            {
                waiting++;
            }
        }

        if (terminated && running == 0)
        {
            return waiting > 0 || stopped != succeeded ? "Failed" : "Succeeded";
        }

        if (waiting > 0)
        {
            return "Pending";
        }

        if (running > 0)
        {
            return "Running";
        }

        if (stopped > 0)
        {
            return policy switch
            {
                "Always" => "Running",
                "OnFailure" => stopped == succeeded ? "Succeeded" : "Running",
                _ => stopped == succeeded ? "Succeeded" : "Failed",
            };
        }

        return "Pending";
    }

    private static JsonObject ContainerStatus(ContainerTrack t, V1Pod pod, bool ready)
    {
        var spec = t.Spec;
        var s = new JsonObject { ["name"] = t.Name };
        JsonObject state;
        TerminatedInfo? last;
        if (t.Running)
        {
            state = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Time(t.Instance!.StartedAt ?? t.Instance.CreatedAt) } };
            last = t.LastTermination;
        }
        else if (t.Waiting is { } w)
        {
            var waiting = new JsonObject { ["reason"] = w.Reason };
            if (!string.IsNullOrEmpty(w.Message))
            {
                waiting["message"] = w.Message;
            }

            state = new JsonObject { ["waiting"] = waiting };
            last = t.Terminated ?? t.LastTermination;
        }
        else if (t.Terminated is { } term)
        {
            state = new JsonObject { ["terminated"] = Terminated(term) };
            last = t.LastTermination;
        }
        else
        {
            state = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } };
            last = t.LastTermination;
        }

        s["state"] = state;
        s["lastState"] = last is null ? new JsonObject() : new JsonObject { ["terminated"] = Terminated(last) };
        s["ready"] = ready;
        s["restartCount"] = t.RestartCount;
        s["image"] = spec?.Image ?? t.SpecImage ?? "";
        s["imageID"] = t.ImageRef is { } r && t.ImageDigest is { } d ? $"{NameOf(r)}@{d}" : "";
        if (t.CurrentId is { } id && (t.Running || t.Terminated is not null))
        {
            s["containerID"] = $"{t.RuntimeName}://{id}";
        }

        s["started"] = t.Running && t.Probes.Started;
        _ = pod;
        return s;
    }

    private static JsonObject Terminated(TerminatedInfo term)
    {
        var o = new JsonObject
        {
            ["exitCode"] = term.ExitCode,
            ["reason"] = term.Reason,
        };
        if (!string.IsNullOrEmpty(term.Message))
        {
            o["message"] = term.Message;
        }

        o["startedAt"] = term.StartedAt is { } s ? Time(s) : null;
        o["finishedAt"] = term.FinishedAt is { } f ? Time(f) : null;
        o["containerID"] = term.ContainerId;
        return o;
    }

    /// <summary>The repository part of a normalised reference (imageID is <c>NAME@DIGEST</c>).</summary>
    private static string NameOf(string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return reference[..at];
        }

        var slash = reference.LastIndexOf('/');
        var colon = reference.LastIndexOf(':');
        return colon > slash ? reference[..colon] : reference;
    }

    private static JsonObject? Condition(JsonObject? status, string type) =>
        (Json.Array(status, "conditions") ?? []).OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == type);

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
