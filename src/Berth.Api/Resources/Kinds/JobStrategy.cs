using System.Globalization;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Jobs (batch/v1), after pkg/registry/batch/job/strategy.go, SetDefaults_Job and ValidateJob. On create,
/// unless <c>spec.manualSelector</c> is true, the selector is generated: the template gets the labels
/// <c>batch.kubernetes.io/controller-uid</c>/<c>controller-uid</c> (the job's uid) and
/// <c>batch.kubernetes.io/job-name</c>/<c>job-name</c>, and the selector matches the uid label. Defaults:
/// completions and parallelism 1, backoffLimit 6, NonIndexed, not suspended, podReplacementPolicy
/// TerminatingOrFailed, manualSelector false, and the template's labels as the job's labels when it has none.
/// The selector and the template (except scheduling directives of a suspended job that never started) may not change.
/// </summary>
public sealed class JobStrategy : ResourceStrategy
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";
    public const string LegacyControllerUidLabel = "controller-uid";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyJobNameLabel = "job-name";

    private static readonly string[] SchedulingDirectives = ["nodeSelector", "affinity", "tolerations", "schedulingGates"];

    private static readonly IReadOnlyList<TableColumn> JobColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Status", "Status of the job."),
        Kinds.Columns.Text("Completions", "The number of pods which reached phase Succeeded."),
        Kinds.Columns.Text("Duration", "Time required to complete the job."),
        Kinds.Columns.Age,
        Kinds.Columns.Containers,
        Kinds.Columns.Images,
        Kinds.Columns.Selector("A label query over pods that should match the pod count."),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => JobColumns;

    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        var spec = Json.EnsureObject(obj, "spec");
        if (Json.Bool(spec, "manualSelector") == true)
        {
            return;
        }

        var uid = Nodes.Str(obj, "metadata", "uid");
        var name = Nodes.Str(obj, "metadata", "name");
        var labels = Nodes.Ensure(spec, "template", "metadata", "labels");
        Json.SetDefault(labels, LegacyJobNameLabel, name);
        Json.SetDefault(labels, JobNameLabel, name);
        Json.SetDefault(labels, LegacyControllerUidLabel, uid);
        Json.SetDefault(labels, ControllerUidLabel, uid);
        Json.SetDefault(Nodes.Ensure(spec, "selector", "matchLabels"), ControllerUidLabel, uid);
    }

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = Json.EnsureObject(obj, "spec");
        if (!Nodes.Has(spec, "completions") && !Nodes.Has(spec, "parallelism"))
        {
            spec["completions"] = 1;
        }

        Workloads.DefaultInt(spec, "parallelism", 1);
        Workloads.DefaultInt(spec, "backoffLimit", Nodes.Has(spec, "backoffLimitPerIndex") ? int.MaxValue : 6);
        if (Json.Object(spec, "template", "metadata", "labels") is { Count: > 0 } templateLabels &&
            Json.Object(obj, "metadata", "labels") is null or { Count: 0 })
        {
            Nodes.Ensure(obj, "metadata")["labels"] = templateLabels.DeepClone();
        }

        Nodes.Default(spec, "completionMode", "NonIndexed");
        Nodes.Default(spec, "suspend", false);
        foreach (var (_, rule) in Nodes.Objects(Json.Array(spec, "podFailurePolicy", "rules")))
        {
            foreach (var (_, pattern) in Nodes.Objects(rule["onPodConditions"]))
            {
                Nodes.Default(pattern, "status", "True");
            }
        }

        Nodes.Default(spec, "podReplacementPolicy", Nodes.Has(spec, "podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
        Nodes.Default(spec, "manualSelector", false);
        Workloads.DefaultTemplate(obj);
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        ValidateGeneratedSelector(obj, spec, causes);
        ValidateJobSpec(spec, "spec", causes);
        if (spec["selector"] is null)
        {
            causes.Add(StatusCause.Required("spec.selector"));
        }
        else
        {
            LabelSelectors.Validate(spec["selector"], "spec.selector", causes);
        }

        Workloads.SelectorMatchesTemplate(spec, "spec", causes);
    }

    /// <summary>
    /// <c>validateJobSpec</c>, shared with CronJob job templates: counts not negative, a valid pod template whose
    /// restartPolicy is OnFailure or Never, a known completion mode.
    /// </summary>
    internal static void ValidateJobSpec(JsonObject spec, string path, List<StatusCause> causes)
    {
        foreach (var field in new[] { "parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished" })
        {
            FieldRules.NonNegative(spec[field], $"{path}.{field}", causes);
        }

        FieldRules.OneOf(Json.String(spec, "completionMode"), $"{path}.completionMode", ["NonIndexed", "Indexed"], causes, required: false);
        if (Json.String(spec, "completionMode") == "Indexed" && !Nodes.Has(spec, "completions"))
        {
            causes.Add(StatusCause.Required($"{path}.completions", "when completion mode is Indexed"));
        }

        var template = Json.Object(spec, "template");
        PodSpecValidation.ValidateTemplate(template, $"{path}.template", causes);
        var restart = Nodes.Str(template, "spec", "restartPolicy");
        if (restart is not ("OnFailure" or "Never"))
        {
            causes.Add(StatusCause.NotSupported($"{path}.template.spec.restartPolicy", restart, ["OnFailure", "Never"]));
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        var oldSpec = Json.Object(old, "spec") ?? [];
        var elastic = Json.String(spec, "completionMode") == "Indexed" && Json.Long(spec, "completions") == Json.Long(spec, "parallelism");
        if (!elastic)
        {
            FieldRules.Immutable(spec["completions"], oldSpec["completions"], "spec.completions", causes, GoValue.Number(spec["completions"]));
        }

        FieldRules.Immutable(spec["selector"], oldSpec["selector"], "spec.selector", causes, GoValue.LabelSelector(spec["selector"]));
        var mutableDirectives = Json.Bool(oldSpec, "suspend") == true && !Nodes.Has(Json.Object(old, "status"), "startTime");
        var template = Comparable(Json.Object(spec, "template"), mutableDirectives);
        var oldTemplate = Comparable(Json.Object(oldSpec, "template"), mutableDirectives);
        FieldRules.Immutable(template, oldTemplate, "spec.template", causes, GoValue.Json(spec["template"]));
        foreach (var field in new[] { "completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy" })
        {
            FieldRules.Immutable(spec[field], oldSpec[field], $"spec.{field}", causes);
        }
    }

    protected override void ValidateStatus(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        foreach (var counter in new[] { "active", "succeeded", "failed", "ready", "terminating" })
        {
            FieldRules.NonNegative(Json.Walk(obj, "status", counter), $"status.{counter}", causes);
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = Json.Object(obj, "spec");
        var status = Json.Object(obj, "status");
        var succeeded = Nodes.Int(status, "succeeded");
        string completions;
        if (Json.Long(spec, "completions") is { } wanted)
        {
            completions = $"{succeeded}/{wanted}";
        }
        else
        {
            var parallelism = Nodes.Int(spec, "parallelism");
            completions = parallelism > 1 ? $"{succeeded}/1 of {parallelism}" : $"{succeeded}/1";
        }

        var start = Nodes.Time(status, "startTime");
        var end = Nodes.Time(status, "completionTime");
        var duration = start is null ? "" : HumanDuration.Format((end ?? now) - start.Value);

        var conditions = status?["conditions"];
        var state = Nodes.ConditionTrue(conditions, "Complete") ? "Complete"
            : Nodes.ConditionTrue(conditions, "Failed") ? "Failed"
            : Json.Object(obj, "metadata")?["deletionTimestamp"] is not null ? "Terminating"
            : Nodes.ConditionTrue(conditions, "Suspended") ? "Suspended"
            : Nodes.ConditionTrue(conditions, "FailureTarget") ? "FailureTarget"
            : "Running";

        return
        [
            Json.String(obj, "metadata", "name"),
            state,
            completions,
            duration,
            Age(obj, now),
            .. Workloads.WideCells(obj, withSelector: true),
        ];
    }

    public override bool TryGetField(FieldSource obj, string field, out string? value)
    {
        if (field == "status.successful")
        {
            value = obj.Int("status", "succeeded").ToString(CultureInfo.InvariantCulture);
            return true;
        }

        return base.TryGetField(obj, field, out value);
    }

    /// <summary>
    /// A copy of a template for the immutability check; a suspended job that never started may change its
    /// labels, annotations, node selector, affinity, tolerations and scheduling gates (JobMutableNodeSchedulingDirectives).
    /// </summary>
    private static JsonObject Comparable(JsonObject? template, bool mutableDirectives)
    {
        var copy = (JsonObject?)template?.DeepClone() ?? [];
        if (mutableDirectives)
        {
            Json.Object(copy, "metadata")?.Remove("labels");
            Json.Object(copy, "metadata")?.Remove("annotations");
            foreach (var field in SchedulingDirectives)
            {
                Json.Object(copy, "spec")?.Remove(field);
            }

            if (Json.Object(copy, "metadata") is { Count: 0 })
            {
                copy.Remove("metadata");
            }
        }

        return copy;
    }

    /// <summary><c>validateGeneratedSelector</c>: a generated selector must select exactly this job's generated labels.</summary>
    private static void ValidateGeneratedSelector(JsonObject obj, JsonObject spec, List<StatusCause> causes)
    {
        if (Json.Bool(spec, "manualSelector") == true || spec["selector"] is null)
        {
            return;
        }

        var uid = Nodes.Str(obj, "metadata", "uid");
        var name = Nodes.Str(obj, "metadata", "name");
        if (uid.Length == 0)
        {
            causes.Add(StatusCause.Required("metadata.uid"));
        }

        var labels = Json.Object(spec, "template", "metadata", "labels");
        var expected = new JsonObject();
        foreach (var (key, value) in new[] { (LegacyControllerUidLabel, uid), (LegacyJobNameLabel, name), (ControllerUidLabel, uid), (JobNameLabel, name) })
        {
            expected[key] = value;
            var path = $"spec.template.metadata.labels[{key}]";
            if (Json.String(labels, key) is not { } actual)
            {
                causes.Add(StatusCause.Required(path, $"must be '{value}'"));
            }
            else if (actual != value)
            {
                causes.Add(StatusCause.Invalid(path, GoValue.StringMap(labels), $"must be '{value}'"));
            }
        }

        if (!LabelSelectors.Matches(spec["selector"], expected))
        {
            causes.Add(StatusCause.Invalid("spec.selector", GoValue.LabelSelector(spec["selector"]), "`selector` not auto-generated"));
        }
    }
}
