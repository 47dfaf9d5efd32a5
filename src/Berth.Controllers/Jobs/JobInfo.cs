using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.Jobs;

/// <summary>
/// A Job's spec with batch/v1 defaults for what a client left out (<c>SetDefaults_Job</c>: completions and
/// parallelism 1 when both are missing, backoffLimit 6, NonIndexed) and the selector it effectively has
/// (the API server generates <c>batch.kubernetes.io/controller-uid=UID</c> when the client gave none).
/// </summary>
public sealed record JobInfo(
    JsonObject Object,
    int? Completions,
    int Parallelism,
    int BackoffLimit,
    long? ActiveDeadlineSeconds,
    long? TtlSecondsAfterFinished,
    bool Indexed,
    bool Suspended,
    LabelMatcher Selector)
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";
    public const string LegacyControllerUidLabel = "controller-uid";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyJobNameLabel = "job-name";
    public const string CompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index";
    public const string TrackingFinalizer = "batch.kubernetes.io/job-tracking";

    public static JobInfo From(JsonObject job)
    {
        var spec = Json.Object(job, "spec");
        var completions = (int?)Json.Long(spec, "completions");
        var parallelism = (int?)Json.Long(spec, "parallelism");
        if (completions is null && parallelism is null)
        {
            completions = 1;
        }

        var selector = Json.Object(spec, "selector") is { } s
            ? LabelMatcher.From(s)
            : LabelMatcher.FromLabels(new Dictionary<string, string> { [ControllerUidLabel] = Meta.Uid(job) });
        return new JobInfo(
            job,
            completions,
            parallelism ?? 1,
            (int)(Json.Long(spec, "backoffLimit") ?? 6),
            Json.Long(spec, "activeDeadlineSeconds"),
            Json.Long(spec, "ttlSecondsAfterFinished"),
            Json.String(spec, "completionMode") == "Indexed",
            Json.Bool(spec, "suspend") == true,
            selector);
    }

    public string Name => Meta.Name(Object);

    public JsonObject Status => Json.Object(Object, "status") ?? [];

    /// <summary><c>IsJobFinished</c>: a Complete or Failed condition is True.</summary>
    public static bool IsFinished(JsonObject job) =>
        Conditions.IsTrue(Json.Object(job, "status"), "Complete") || Conditions.IsTrue(Json.Object(job, "status"), "Failed");

    /// <summary>When the Job finished: completionTime, else the finishing condition's transition time.</summary>
    public static DateTimeOffset? FinishedAt(JsonObject job)
    {
        var status = Json.Object(job, "status");
        if (Timestamps.Parse(Json.String(status, "completionTime")) is { } done)
        {
            return done;
        }

        foreach (var type in new[] { "Complete", "Failed" })
        {
            if (Conditions.Get(status, type) is { } c && Json.String(c, "status") == "True")
            {
                return Timestamps.Parse(Json.String(c, "lastTransitionTime"));
            }
        }

        return null;
    }
}
