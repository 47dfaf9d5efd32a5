using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;
using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class JobTests
{
    private const string Uid = "6f1f6b2e-0000-4000-8000-000000000001";
    private const string Pi = """{"metadata":{"name":"pi"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}}}""";

    [Fact]
    public void Create_generates_selector_and_labels_like_Kubernetes()
    {
        var job = Pipeline.Valid("Job", Pi);
        Assert.Equal($$$"""{"matchLabels":{"batch.kubernetes.io/controller-uid":"{{{Uid}}}"}}""", Json.Walk(job, "spec", "selector")!.ToJsonString());
        var labels = Json.Object(job, "spec", "template", "metadata", "labels")!;
        Assert.Equal(Uid, Json.String(labels, "batch.kubernetes.io/controller-uid"));
        Assert.Equal(Uid, Json.String(labels, "controller-uid"));
        Assert.Equal("pi", Json.String(labels, "batch.kubernetes.io/job-name"));
        Assert.Equal("pi", Json.String(labels, "job-name"));
        Assert.True(JsonNode.DeepEquals(labels, Json.Walk(job, "metadata", "labels")), "the job's labels default to its template's");
    }

    [Theory]
    [InlineData("spec.completions", "1")]
    [InlineData("spec.parallelism", "1")]
    [InlineData("spec.backoffLimit", "6")]
    [InlineData("spec.completionMode", "\"NonIndexed\"")]
    [InlineData("spec.suspend", "false")]
    [InlineData("spec.manualSelector", "false")]
    [InlineData("spec.podReplacementPolicy", "\"TerminatingOrFailed\"")]
    [InlineData("spec.template.spec.dnsPolicy", "\"ClusterFirst\"")]
    public void Job_defaults(string path, string expected) =>
        Assert.Equal(expected, Pipeline.At(Pipeline.Valid("Job", Pi), path)?.ToJsonString());

    [Fact]
    public void Parallel_jobs_keep_completions_unset()
    {
        var job = Pipeline.Valid("Job", """{"spec":{"parallelism":3,"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"w","image":"x"}]}}}}""");
        Assert.Null(Json.Walk(job, "spec", "completions"));
        job["status"] = JsonNode.Parse("""{"succeeded":1,"startTime":"2026-11-30T11:58:00Z"}""");
        Assert.Equal(new object?[] { "test", "Running", "1/1 of 3", "2m", "60m", "w", "x", $"batch.kubernetes.io/controller-uid={Uid}" },
            Pipeline.Strategy("Job").Cells(job, Pipeline.Now));
    }

    [Theory]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"pi","image":"perl"}]}}}}""", "spec.template.spec.restartPolicy", "FieldValueNotSupported", "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"")]
    [InlineData("""{"spec":{"backoffLimit":-1,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}}}""", "spec.backoffLimit", "FieldValueInvalid", "Invalid value: -1: must be greater than or equal to 0")]
    [InlineData("""{"spec":{"completionMode":"Sorted","template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}}}""", "spec.completionMode", "FieldValueNotSupported", "Unsupported value: \"Sorted\": supported values: \"NonIndexed\", \"Indexed\"")]
    [InlineData("""{"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}}}""", "spec.selector", "FieldValueInvalid", "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"a\":\"b\", \"batch.kubernetes.io/controller-uid\":\"6f1f6b2e-0000-4000-8000-000000000001\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated")]
    [InlineData("""{"spec":{"manualSelector":true,"template":{"metadata":{"labels":{"a":"b"}},"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}}}""", "spec.selector", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"manualSelector":true,"selector":{"matchLabels":{"a":"c"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}}}""", "spec.template.metadata.labels", "FieldValueInvalid", "Invalid value: map[string]string{\"a\":\"b\"}: `selector` does not match template `labels`")]
    public void Job_rules(string json, string field, string reason, string message)
    {
        var (_, causes) = Pipeline.Create("Job", json);
        Pipeline.HasCause(causes, field, reason, message);
    }

    [Fact]
    public void Manual_selectors_are_kept()
    {
        var job = Pipeline.Valid("Job", """{"spec":{"manualSelector":true,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}}}""");
        Assert.Equal("""{"matchLabels":{"a":"b"}}""", Json.Walk(job, "spec", "selector")!.ToJsonString());
        Assert.Null(Json.String(job, "spec", "template", "metadata", "labels", "job-name"));
    }

    [Fact]
    public void Template_and_selector_are_immutable_except_scheduling_directives_while_suspended()
    {
        var old = Pipeline.Valid("Job", Pi);
        var causes = Pipeline.Update("Job", old, Pipeline.Edit(old, j => j["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "perl:5"));
        var cause = Assert.Single(causes);
        Assert.Equal("spec.template", cause.Field);
        Assert.EndsWith(": field is immutable", cause.Message, StringComparison.Ordinal);

        Pipeline.HasCause(Pipeline.Update("Job", old, Pipeline.Edit(old, j => j["spec"]!["completions"] = 4)),
            "spec.completions", "FieldValueInvalid", "Invalid value: 4: field is immutable");

        var suspended = Pipeline.Valid("Job", Pi.Replace("\"spec\":{\"template\"", "\"spec\":{\"suspend\":true,\"template\"", StringComparison.Ordinal));
        Assert.Empty(Pipeline.Update("Job", suspended, Pipeline.Edit(suspended, j => j["spec"]!["template"]!["spec"]!["nodeSelector"] = new JsonObject { ["zone"] = "a" })));
    }

    [Theory]
    [InlineData("""{"type":"Complete","status":"True"}""", null, "Complete")]
    [InlineData("""{"type":"Failed","status":"True"}""", null, "Failed")]
    [InlineData("""{"type":"Suspended","status":"True"}""", null, "Suspended")]
    [InlineData("""{"type":"Complete","status":"False"}""", null, "Running")]
    [InlineData("""{"type":"Suspended","status":"True"}""", "2026-11-30T11:59:00Z", "Terminating")]
    public void Job_status_column(string condition, string? deletion, string expected)
    {
        var job = Pipeline.Valid("Job", Pi);
        job["status"] = JsonNode.Parse($$$"""{"succeeded":1,"startTime":"2026-11-30T11:00:00Z","completionTime":"2026-11-30T11:00:42Z","conditions":[{{{condition}}}]}""");
        if (deletion is not null)
        {
            job["metadata"]!["deletionTimestamp"] = deletion;
        }

        var cells = Pipeline.Strategy("Job").Cells(job, Pipeline.Now);
        Assert.Equal(expected, cells[1]);
        Assert.Equal("1/1", cells[2]);
        Assert.Equal("42s", cells[3]);
    }

    private const string Cron = """{"spec":{"schedule":"SCHEDULE","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}""";

    [Theory]
    [InlineData("spec.concurrencyPolicy", "\"Allow\"")]
    [InlineData("spec.suspend", "false")]
    [InlineData("spec.successfulJobsHistoryLimit", "3")]
    [InlineData("spec.failedJobsHistoryLimit", "1")]
    [InlineData("spec.jobTemplate.spec.template.spec.schedulerName", "\"default-scheduler\"")]
    public void CronJob_defaults(string path, string expected) =>
        Assert.Equal(expected, Pipeline.At(Pipeline.Valid("CronJob", Cron.Replace("SCHEDULE", "*/5 * * * *", StringComparison.Ordinal)), path)?.ToJsonString());

    [Theory]
    [InlineData("*/5 * * * *")]
    [InlineData("0 3 * * MON-FRI")]
    [InlineData("15,45 9-17 1 jan,jul ?")]
    [InlineData("@hourly")]
    [InlineData("@every 1h30m")]
    public void Valid_schedules(string schedule) => Pipeline.Valid("CronJob", Cron.Replace("SCHEDULE", schedule, StringComparison.Ordinal));

    [Theory]
    [InlineData("* * * *", "expected exactly 5 fields, found 4: [* * * *]")]
    [InlineData("61 * * * *", "end of range (61) above maximum (59): 61")]
    [InlineData("5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2")]
    [InlineData("x * * * *", "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax")]
    [InlineData("*/0 * * * *", "step of range should be a positive number: */0")]
    [InlineData("@fortnightly", "unrecognized descriptor: @fortnightly")]
    [InlineData("TZ=UTC 0 * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")]
    public void Invalid_schedules(string schedule, string message)
    {
        var (_, causes) = Pipeline.Create("CronJob", Cron.Replace("SCHEDULE", schedule, StringComparison.Ordinal));
        Pipeline.HasCause(causes, "spec.schedule", "FieldValueInvalid", $"Invalid value: \"{schedule}\": {message}");
    }

    [Fact]
    public void CronJob_rules_and_table()
    {
        var (_, causes) = Pipeline.Create("CronJob", """
            {"metadata":{"name":"a-very-long-cronjob-name-that-exceeds-fifty-two-chars"},
             "spec":{"schedule":"0 * * * *","concurrencyPolicy":"Sometimes","timeZone":"Mars/Olympus",
               "jobTemplate":{"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}}}
            """);
        Pipeline.HasCause(causes, "metadata.name", "FieldValueInvalid", "Invalid value: \"a-very-long-cronjob-name-that-exceeds-fifty-two-chars\": must be no more than 52 characters");
        Pipeline.HasCause(causes, "spec.concurrencyPolicy", "FieldValueNotSupported", "Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\"");
        Pipeline.HasCause(causes, "spec.timeZone", "FieldValueInvalid", "Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus");
        Pipeline.HasCause(causes, "spec.jobTemplate.spec.template.spec.restartPolicy", "FieldValueNotSupported", "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"");
        Pipeline.HasCause(causes, "spec.jobTemplate.spec.selector", "FieldValueInvalid",
            "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"a\":\"b\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated");

        var cron = Pipeline.Valid("CronJob", Cron.Replace("SCHEDULE", "*/5 * * * *", StringComparison.Ordinal));
        cron["status"] = JsonNode.Parse("""{"active":[{"name":"j1"}],"lastScheduleTime":"2026-11-30T11:55:00Z"}""");
        Assert.Equal(new object?[] { "test", "*/5 * * * *", "<none>", "False", 1L, "5m", "60m", "c", "busybox", "<none>" },
            Pipeline.Strategy("CronJob").Cells(cron, Pipeline.Now));
    }
}
