using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.KubeVirt;

/// <summary>
/// A VirtualMachine's status, after KubeVirt's VM controller (<c>pkg/virt-controller/watch/vm/vm.go</c>:
/// <c>updateStatus</c>, <c>setPrintableStatus</c>, <c>syncConditions</c>):
/// <list type="bullet">
/// <item><c>printableStatus</c>, first match wins: Terminating (VM being deleted), Stopping (VMI going away),
///   Running, ErrorUnschedulable, ErrImagePull, ImagePullBackOff, Starting (VMI not yet running), CrashLoopBackOff
///   (start failures backing off), Stopped (no VMI, or a final one), else Unknown;</item>
/// <item><c>created</c> (a VMI exists), <c>ready</c> (its Ready condition is True), <c>runStrategy</c> (the strategy last
///   acted on), <c>observedGeneration</c>;</item>
/// <item>conditions: Ready copied from the VMI (False VMINotExists without one), the VMI's other conditions
///   (PodScheduled, Synchronized) mirrored, Failure while reconciling fails;</item>
/// <item><c>startFailure</c> (consecutive VMIs that failed before running, and when the next may start), and the
///   first state change request trimmed once it has been carried out.</item>
/// </list>
/// </summary>
public static class VmStatus
{
    /// <summary>Longest wait between failed starts (KubeVirt's <c>defaultMaxCrashLoopBackoffDelaySeconds</c>).</summary>
    public const int MaxBackoffSeconds = 300;

    public static JsonObject Compute(JsonObject vm, JsonObject? vmi, bool stopping, string runStrategy, (string Reason, string Message)? syncError,
        DateTimeOffset now)
    {
        var status = Json.Object(vm, "status")?.DeepClone() as JsonObject ?? [];
        var stamp = Stamp(now);
        var vmiPhase = Json.String(vmi, "status", "phase");
        var vmiConditions = Json.Array(vmi, "status", "conditions");
        TrackStartFailure(status, vmi, now);
        status["printableStatus"] = PrintableStatus(vm, vmi, stopping, runStrategy, status);
        status["created"] = vmi is not null;
        status["ready"] = vmi is not null && vmiPhase == VmiPhase.Running && KubeVirtConditions.IsTrue(vmiConditions, "Ready");
        status["runStrategy"] = runStrategy;
        status["observedGeneration"] = Json.Long(vm, "metadata", "generation") ?? 1;
        if (VmRunStrategy.FirstRequest(vm) is not null && TrimFirstRequest(vm, vmi))
        {
            var requests = (JsonArray)status["stateChangeRequests"]!;
            requests.RemoveAt(0);
            if (requests.Count == 0)
            {
                status.Remove("stateChangeRequests");
            }
        }

        var conditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = conditions;
        if (vmi is null)
        {
            KubeVirtConditions.Set(conditions, "Ready", "False", "VMINotExists", "VMI does not exist", stamp);
        }
        else if (KubeVirtConditions.Get(vmiConditions, "Ready") is { } ready)
        {
            KubeVirtConditions.Copy(conditions, ready);
        }
        else
        {
            KubeVirtConditions.Set(conditions, "Ready", "False", "VMIConditionMissing", "VMI is missing the Ready condition", stamp);
        }

        var mirrored = vmiConditions?.OfType<JsonObject>().Select(c => Json.String(c, "type")).Where(t => t is not ("Ready" or "Failure")).ToHashSet() ?? [];
        foreach (var type in conditions.OfType<JsonObject>().Select(c => Json.String(c, "type")).Where(t => t is not ("Ready" or "Failure")).ToList())
        {
            if (!mirrored.Contains(type))
            {
                KubeVirtConditions.Remove(conditions, type!);
            }
        }

        foreach (var c in vmiConditions?.OfType<JsonObject>().Where(c => mirrored.Contains(Json.String(c, "type"))) ?? [])
        {
            KubeVirtConditions.Copy(conditions, c);
        }

        if (syncError is { } e)
        {
            KubeVirtConditions.Set(conditions, "Failure", "True", e.Reason, e.Message, stamp);
        }
        else
        {
            KubeVirtConditions.Remove(conditions, "Failure");
        }

        return status;
    }

    /// <summary>
    /// Records a VMI that failed before it ever ran (a start failure) and forgets the failures once one runs:
    /// <c>status.startFailure {consecutiveFailCount, lastFailedVMIUID, retryAfterTimestamp}</c>, the wait doubling from
    /// 10 s up to <see cref="MaxBackoffSeconds"/>.
    /// </summary>
    public static void TrackStartFailure(JsonObject status, JsonObject? vmi, DateTimeOffset now)
    {
        if (vmi is null)
        {
            return;
        }

        var phase = Json.String(vmi, "status", "phase");
        var ran = Json.Array(vmi, "status", "phaseTransitionTimestamps")?.OfType<JsonObject>().Any(t => Json.String(t, "phase") == VmiPhase.Running) == true;
        if (phase == VmiPhase.Running)
        {
            status.Remove("startFailure");
            return;
        }

        var uid = Json.String(vmi, "metadata", "uid");
        var failure = Json.Object(status, "startFailure");
        if (phase != VmiPhase.Failed || ran || Json.String(failure, "lastFailedVMIUID") == uid)
        {
            return;
        }

        var count = (Json.Long(failure, "consecutiveFailCount") ?? 0) + 1;
        var delay = Math.Min(MaxBackoffSeconds, 10 * Math.Pow(2, Math.Min(count - 1, 10)));
        status["startFailure"] = new JsonObject
        {
            ["consecutiveFailCount"] = count,
            ["lastFailedVMIUID"] = uid,
            ["retryAfterTimestamp"] = Stamp(now.AddSeconds(delay)),
        };
    }

    /// <summary>How long until another VMI may start after failures (zero when it may start now).</summary>
    public static TimeSpan BackoffLeft(JsonObject vm, DateTimeOffset now)
    {
        if (Json.String(vm, "status", "startFailure", "retryAfterTimestamp") is { } text &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var retryAfter) && retryAfter > now)
        {
            return retryAfter - now;
        }

        return TimeSpan.Zero;
    }

    public static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string PrintableStatus(JsonObject vm, JsonObject? vmi, bool stopping, string runStrategy, JsonObject status)
    {
        var phase = Json.String(vmi, "status", "phase");
        var final = VmiPhase.IsFinal(phase);
        var conditions = Json.Array(vmi, "status", "conditions");
        var synchronized = KubeVirtConditions.Get(conditions, "Synchronized");
        var podScheduled = KubeVirtConditions.Get(conditions, "PodScheduled");
        if (Json.String(vm, "metadata", "deletionTimestamp") is not null)
        {
            return "Terminating";
        }

        if (vmi is not null && !final && (stopping || Json.String(vmi, "metadata", "deletionTimestamp") is not null))
        {
            return "Stopping";
        }

        if (phase == VmiPhase.Running)
        {
            return "Running";
        }

        if (Json.String(podScheduled, "status") == "False" && Json.String(podScheduled, "reason") == "Unschedulable")
        {
            return "ErrorUnschedulable";
        }

        if (Json.String(synchronized, "status") == "False" && Json.String(synchronized, "reason") is { } pull && pull is "ErrImagePull" or "ImagePullBackOff")
        {
            return pull;
        }

        if (vmi is not null && !final)
        {
            return "Starting";
        }

        if ((Json.Long(status, "startFailure", "consecutiveFailCount") ?? 0) > 0 && runStrategy is VmRunStrategy.Always or VmRunStrategy.RerunOnFailure or VmRunStrategy.Once)
        {
            return "CrashLoopBackOff";
        }

        return "Stopped";
    }

    /// <summary>KubeVirt's <c>isTrimFirstChangeRequestNeeded</c>: a stop request is done once its VMI is gone, a start request once a VMI runs.</summary>
    private static bool TrimFirstRequest(JsonObject vm, JsonObject? vmi)
    {
        var first = VmRunStrategy.FirstRequest(vm)!;
        switch (Json.String(first, "action"))
        {
            case VmRunStrategy.StopAction:
                return vmi is null || Json.String(first, "uid") is not { } uid || uid != Json.String(vmi, "metadata", "uid");
            case VmRunStrategy.StartAction:
                return vmi is not null && Json.String(vmi, "metadata", "deletionTimestamp") is null && !VmiPhase.IsFinal(Json.String(vmi, "status", "phase"));
            default:
                return true;
        }
    }
}
