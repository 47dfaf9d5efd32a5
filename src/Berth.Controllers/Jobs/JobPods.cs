using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.Jobs;

/// <summary>
/// Pods of Jobs (pkg/controller/job): made from the template with the Job's labels and the job-tracking
/// finalizer; in Indexed mode named <c>JOB-INDEX-xxxxx</c>, with hostname <c>JOB-INDEX</c>, the completion
/// index in the <c>batch.kubernetes.io/job-completion-index</c> annotation and label, and the env var
/// <c>JOB_COMPLETION_INDEX</c> taken from that annotation through the downward API (the agent resolves it).
/// </summary>
public static class JobPods
{
    public const string CompletionIndexEnv = "JOB_COMPLETION_INDEX";

    public static JsonObject NewPod(JobInfo job, Berth.Api.Resources.ResourceType jobType, int? index)
    {
        var generateName = index is { } i ? $"{job.Name}-{i.ToString(CultureInfo.InvariantCulture)}-" : $"{job.Name}-";
        var pod = PodTemplates.NewPod(Json.Object(job.Object, "spec", "template"), job.Object, jobType, generateName);
        var labels = Json.EnsureObject(Json.EnsureObject(pod, "metadata"), "labels");
        Json.SetDefault(labels, JobInfo.ControllerUidLabel, Meta.Uid(job.Object));
        Json.SetDefault(labels, JobInfo.LegacyControllerUidLabel, Meta.Uid(job.Object));
        Json.SetDefault(labels, JobInfo.JobNameLabel, job.Name);
        Json.SetDefault(labels, JobInfo.LegacyJobNameLabel, job.Name);
        var meta = Json.EnsureObject(pod, "metadata");
        var finalizers = meta["finalizers"] as JsonArray ?? [];
        meta["finalizers"] = finalizers;
        if (!finalizers.Any(f => (f as JsonValue)?.ToString() == JobInfo.TrackingFinalizer))
        {
            finalizers.Add(JobInfo.TrackingFinalizer);
        }

        if (index is { } idx)
        {
            var text = idx.ToString(CultureInfo.InvariantCulture);
            Meta.SetAnnotation(pod, JobInfo.CompletionIndexAnnotation, text);
            labels[JobInfo.CompletionIndexAnnotation] = text;
            var spec = Json.EnsureObject(pod, "spec");
            Json.SetDefault(spec, "hostname", $"{job.Name}-{text}");
            foreach (var list in new[] { "containers", "initContainers" })
            {
                foreach (var c in Json.Array(spec, list)?.OfType<JsonObject>() ?? [])
                {
                    var env = c["env"] as JsonArray ?? [];
                    c["env"] = env;
                    if (!env.Any(e => Json.String(e, "name") == CompletionIndexEnv))
                    {
                        env.Add(new JsonObject
                        {
                            ["name"] = CompletionIndexEnv,
                            ["valueFrom"] = new JsonObject
                            {
                                ["fieldRef"] = new JsonObject
                                {
                                    ["apiVersion"] = "v1",
                                    ["fieldPath"] = $"metadata.annotations['{JobInfo.CompletionIndexAnnotation}']",
                                },
                            },
                        });
                    }
                }
            }
        }

        return pod;
    }

    /// <summary>The pod's completion index, or null (non-indexed or malformed).</summary>
    public static int? Index(JsonObject pod) =>
        int.TryParse(Meta.Annotation(pod, JobInfo.CompletionIndexAnnotation), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null;

    public static bool HasFinalizer(JsonObject pod) =>
        Json.Array(pod, "metadata", "finalizers")?.Any(f => (f as JsonValue)?.ToString() == JobInfo.TrackingFinalizer) == true;

    public static bool Succeeded(JsonObject pod) => PodState.Phase(pod) == "Succeeded";

    /// <summary><c>isPodFailed</c>: Failed, or being deleted before it succeeded (it will never report).</summary>
    public static bool Failed(JsonObject pod) => PodState.Phase(pod) == "Failed" || (Meta.IsDeleting(pod) && !Succeeded(pod));

    /// <summary>When the pod's last container finished (for back-off), or null.</summary>
    public static DateTimeOffset? FinishedAt(JsonObject pod) =>
        (Json.Array(pod, "status", "containerStatuses") ?? []).OfType<JsonObject>()
            .Select(c => Timestamps.Parse(Json.String(c, "state", "terminated", "finishedAt")))
            .Where(t => t is not null).Max();

    /// <summary>A copy without the job-tracking finalizer.</summary>
    public static JsonObject WithoutFinalizer(JsonObject pod)
    {
        var copy = Meta.Copy(pod);
        if (Json.Object(copy, "metadata") is { } meta && meta["finalizers"] is JsonArray list)
        {
            for (var i = list.Count - 1; i >= 0; i--)
            {
                if ((list[i] as JsonValue)?.ToString() == JobInfo.TrackingFinalizer)
                {
                    list.RemoveAt(i);
                }
            }

            if (list.Count == 0)
            {
                meta.Remove("finalizers");
            }
        }

        return copy;
    }
}
