using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// CronJobs (batch/v1), after pkg/registry/batch/cronjob/strategy.go, SetDefaults_CronJob and
/// ValidateCronJobSpec: concurrencyPolicy Allow, not suspended, history limits 3 and 1; the schedule must parse
/// (robfig/cron standard syntax, no TZ= prefix), names have at most 52 characters (the controller appends a
/// timestamp), and the job template follows the Job rules except that its selector is generated per Job.
/// </summary>
public sealed class CronJobStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> CronJobColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
        Kinds.Columns.Text("Timezone", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
        new("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false."),
        Kinds.Columns.Integer("Active", "A list of pointers to currently running jobs."),
        Kinds.Columns.Text("Last Schedule", "Information when was the last time the job was successfully scheduled."),
        Kinds.Columns.Age,
        Kinds.Columns.Containers,
        Kinds.Columns.Images,
        Kinds.Columns.Selector("A label query over pods that should match the pod count."),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => CronJobColumns;

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = Json.EnsureObject(obj, "spec");
        if (Nodes.Str(spec, "concurrencyPolicy").Length == 0)
        {
            spec["concurrencyPolicy"] = "Allow";
        }

        Nodes.Default(spec, "suspend", false);
        Workloads.DefaultInt(spec, "successfulJobsHistoryLimit", 3);
        Workloads.DefaultInt(spec, "failedJobsHistoryLimit", 1);
        PodSpecDefaults.ApplyTemplate(Nodes.Ensure(spec, "jobTemplate", "spec"));
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var name = Nodes.Str(obj, "metadata", "name");
        if (name.Length > 52)
        {
            causes.Add(StatusCause.Invalid("metadata.name", name, "must be no more than 52 characters"));
        }

        var spec = Json.Object(obj, "spec") ?? [];
        var schedule = Nodes.Str(spec, "schedule");
        if (schedule.Length == 0)
        {
            causes.Add(StatusCause.Required("spec.schedule"));
        }
        else if (schedule.Contains("TZ", StringComparison.Ordinal))
        {
            causes.Add(StatusCause.Invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
        }
        else if (CronSchedule.Problem(schedule) is { } problem)
        {
            causes.Add(StatusCause.Invalid("spec.schedule", schedule, problem));
        }

        if (Json.String(spec, "timeZone") is { } zone)
        {
            if (zone.Length == 0)
            {
                causes.Add(StatusCause.Invalid("spec.timeZone", zone, "timeZone must be nil or non-empty string"));
            }
            else if (zone == "Local")
            {
                causes.Add(StatusCause.Invalid("spec.timeZone", zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
            }
            else if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
            {
                causes.Add(StatusCause.Invalid("spec.timeZone", zone, $"unknown time zone {zone}"));
            }
        }

        FieldRules.OneOf(Json.String(spec, "concurrencyPolicy"), "spec.concurrencyPolicy", ["Allow", "Forbid", "Replace"], causes);
        foreach (var field in new[] { "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit" })
        {
            FieldRules.NonNegative(spec[field], $"spec.{field}", causes);
        }

        var jobSpec = Json.Object(spec, "jobTemplate", "spec") ?? [];
        Validation.ValidateLabels(Json.Object(spec, "jobTemplate", "metadata", "labels"), "spec.jobTemplate.metadata.labels", causes);
        Validation.ValidateAnnotations(Json.Object(spec, "jobTemplate", "metadata", "annotations"), "spec.jobTemplate.metadata.annotations", causes);
        JobStrategy.ValidateJobSpec(jobSpec, "spec.jobTemplate.spec", causes);
        if (Json.Bool(jobSpec, "manualSelector") == true)
        {
            causes.Add(StatusCause.NotSupported("spec.jobTemplate.spec.manualSelector", true, ["nil", "false"]));
        }
        else if (jobSpec["selector"] is { } selector)
        {
            causes.Add(StatusCause.Invalid("spec.jobTemplate.spec.selector", GoValue.LabelSelector(selector), "`selector` will be auto-generated"));
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = Json.Object(obj, "spec");
        var last = Nodes.Time(obj, "status", "lastScheduleTime");
        var (names, images) = Workloads.ContainerCells(Json.Object(spec, "jobTemplate", "spec", "template", "spec"));
        return
        [
            Json.String(obj, "metadata", "name"),
            Nodes.Str(spec, "schedule"),
            Json.String(spec, "timeZone") ?? "<none>",
            Json.Bool(spec, "suspend") is { } suspend ? (suspend ? "True" : "False") : "<unset>",
            (long)(Json.Array(obj, "status", "active")?.Count ?? 0),
            last is null ? "<none>" : Nodes.Since(last, now),
            Age(obj, now),
            names,
            images,
            LabelSelectors.FormatOrNone(Json.Walk(spec, "jobTemplate", "spec", "selector")),
        ];
    }
}
