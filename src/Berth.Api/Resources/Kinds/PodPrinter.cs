using System.Globalization;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// The pod row of <c>kubectl get pods</c>, after <c>printPod</c> in pkg/printers/internalversion/printers.go:
/// READY counts ready regular (and started sidecar) containers; STATUS is the phase, overridden by the pod's
/// reason, the first unfinished init container (<c>Init:0/2</c>, <c>Init:CrashLoopBackOff</c>), the last
/// container's waiting or terminated reason (<c>ContainerCreating</c>, <c>ErrImagePull</c>, <c>Completed</c>,
/// <c>ExitCode:1</c>), and <c>Terminating</c> while a deletion is pending; RESTARTS adds <c>(5m ago)</c>.
/// </summary>
internal static class PodPrinter
{
    public static readonly IReadOnlyList<TableColumn> Columns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        Kinds.Columns.Text("Status", "The aggregate status of the containers in this pod."),
        Kinds.Columns.Text("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        Kinds.Columns.Age,
        Kinds.Columns.Text("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
        Kinds.Columns.Text("Node", "NodeName indicates in which node this pod is scheduled.", 1),
        Kinds.Columns.Text("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", 1),
        Kinds.Columns.Text("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
    ];

    /// <summary>The row's cells, in <see cref="Columns"/> order.</summary>
    public static IReadOnlyList<object?> Cells(JsonObject pod, DateTimeOffset now)
    {
        var (ready, total, reason, restarts) = Summarise(pod, now);
        var status = Json.Object(pod, "status");
        var podIp = Json.String(status, "podIP");
        if (Nodes.Objects(status?["podIPs"]).FirstOrDefault().Item is { } first)
        {
            podIp = Json.String(first, "ip");
        }

        return
        [
            Json.String(pod, "metadata", "name"),
            $"{ready}/{total}",
            reason,
            restarts,
            HumanDuration.Since(Json.String(pod, "metadata", "creationTimestamp"), now),
            NoneIfEmpty(podIp),
            NoneIfEmpty(Json.String(pod, "spec", "nodeName")),
            NoneIfEmpty(Json.String(status, "nominatedNodeName")),
            ReadinessGates(pod),
        ];
    }

    /// <summary>READY numerator and denominator, STATUS, and RESTARTS of a pod.</summary>
    public static (int Ready, int Total, string Status, string Restarts) Summarise(JsonObject pod, DateTimeOffset now)
    {
        var spec = Json.Object(pod, "spec");
        var status = Json.Object(pod, "status");
        var phase = Nodes.Str(status, "phase");
        var reason = Nodes.Str(status, "reason") is { Length: > 0 } r ? r : phase;
        if (Nodes.Objects(status?["conditions"]).Any(c => Json.String(c.Item, "type") == "PodScheduled" && Json.String(c.Item, "reason") == "SchedulingGated"))
        {
            reason = "SchedulingGated";
        }

        var total = Json.Array(spec, "containers")?.Count ?? 0;
        var sidecars = new HashSet<string>(StringComparer.Ordinal);
        var initCount = 0;
        foreach (var (_, c) in Nodes.Objects(spec?["initContainers"]))
        {
            initCount++;
            if (Json.String(c, "restartPolicy") == "Always")
            {
                sidecars.Add(Nodes.Str(c, "name"));
                total++;
            }
        }

        var ready = 0;
        long restarts = 0;
        long sidecarRestarts = 0;
        DateTimeOffset? lastRestart = null;
        DateTimeOffset? lastSidecarRestart = null;
        var initializing = false;
        foreach (var (i, cs) in Nodes.Objects(status?["initContainerStatuses"]))
        {
            var count = Nodes.Int(cs, "restartCount");
            restarts += count;
            var finished = Nodes.Time(cs, "lastState", "terminated", "finishedAt");
            lastRestart = Later(lastRestart, finished);
            var sidecar = sidecars.Contains(Nodes.Str(cs, "name"));
            if (sidecar)
            {
                sidecarRestarts += count;
                lastSidecarRestart = Later(lastSidecarRestart, finished);
            }

            var terminated = Json.Object(cs, "state", "terminated");
            var waiting = Json.Object(cs, "state", "waiting");
            if (terminated is not null && Nodes.Int(terminated, "exitCode") == 0)
            {
                continue;
            }

            if (sidecar && Nodes.IsTrue(cs, "started"))
            {
                if (Nodes.IsTrue(cs, "ready"))
                {
                    ready++;
                }

                continue;
            }

            if (terminated is not null)
            {
                reason = Nodes.Str(terminated, "reason") is { Length: > 0 } tr
                    ? "Init:" + tr
                    : Nodes.Int(terminated, "signal") is var sig and not 0 ? $"Init:Signal:{sig}" : $"Init:ExitCode:{Nodes.Int(terminated, "exitCode")}";
            }
            else if (waiting is not null && Nodes.Str(waiting, "reason") is { Length: > 0 } wr && wr != "PodInitializing")
            {
                reason = "Init:" + wr;
            }
            else
            {
                reason = $"Init:{i}/{initCount}";
            }

            initializing = true;
            break;
        }

        if (!initializing || Nodes.ConditionTrue(status?["conditions"], "Initialized"))
        {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            var hasRunning = false;
            var statuses = Nodes.Objects(status?["containerStatuses"]).Select(s => s.Item).ToList();
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var cs = statuses[i];
                restarts += Nodes.Int(cs, "restartCount");
                lastRestart = Later(lastRestart, Nodes.Time(cs, "lastState", "terminated", "finishedAt"));
                var terminated = Json.Object(cs, "state", "terminated");
                var waiting = Json.Object(cs, "state", "waiting");
                if (waiting is not null && Nodes.Str(waiting, "reason") is { Length: > 0 } wr)
                {
                    reason = wr;
                }
                else if (terminated is not null && Nodes.Str(terminated, "reason") is { Length: > 0 } tr)
                {
                    reason = tr;
                }
                else if (terminated is not null)
                {
                    reason = Nodes.Int(terminated, "signal") is var sig and not 0 ? $"Signal:{sig}" : $"ExitCode:{Nodes.Int(terminated, "exitCode")}";
                }
                else if (Nodes.IsTrue(cs, "ready") && Json.Object(cs, "state", "running") is not null)
                {
                    hasRunning = true;
                    ready++;
                }
            }

            if (reason == "Completed" && hasRunning)
            {
                reason = Nodes.ConditionTrue(status?["conditions"], "Ready") ? "Running" : "NotReady";
            }
        }

        if (Json.Object(pod, "metadata")?["deletionTimestamp"] is not null)
        {
            if (Nodes.Str(status, "reason") == "NodeLost")
            {
                reason = "Unknown";
            }
            else if (phase is not ("Succeeded" or "Failed"))
            {
                reason = "Terminating";
            }
        }

        var restartText = restarts.ToString(CultureInfo.InvariantCulture);
        if (restarts != 0 && lastRestart is { } last)
        {
            restartText = $"{restarts} ({HumanDuration.Format(now - last)} ago)";
        }

        return (ready, total, reason, restartText);
    }

    private static string ReadinessGates(JsonObject pod)
    {
        var gates = Nodes.Objects(Json.Array(pod, "spec", "readinessGates")).Select(g => Nodes.Str(g.Item, "conditionType")).ToList();
        if (gates.Count == 0)
        {
            return "<none>";
        }

        var conditions = Json.Array(pod, "status", "conditions");
        var trueCount = gates.Count(g => Nodes.ConditionTrue(conditions, g));
        return $"{trueCount}/{gates.Count}";
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => b is null ? a : a is null || b > a ? b : a;

    private static string NoneIfEmpty(string? s) => string.IsNullOrEmpty(s) ? "<none>" : s;
}
