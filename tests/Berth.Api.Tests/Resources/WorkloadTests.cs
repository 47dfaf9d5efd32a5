using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;
using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class WorkloadTests
{
    private const string Template = """
        "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}
        """;

    private static string T(string json) => json.Replace("TEMPLATE", Template, StringComparison.Ordinal);

    [Theory]
    [InlineData("spec.replicas", "1")]
    [InlineData("spec.strategy", """{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}}""")]
    [InlineData("spec.revisionHistoryLimit", "10")]
    [InlineData("spec.progressDeadlineSeconds", "600")]
    [InlineData("spec.template.spec.restartPolicy", "\"Always\"")]
    [InlineData("spec.template.spec.terminationGracePeriodSeconds", "30")]
    public void Deployment_defaults(string path, string expected)
    {
        var d = Pipeline.Valid("Deployment", T("""{"spec":{"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}"""));
        Assert.Equal(expected, Pipeline.At(d, path)?.ToJsonString());
    }

    [Theory]
    [InlineData("StatefulSet", "spec.podManagementPolicy", "\"OrderedReady\"")]
    [InlineData("StatefulSet", "spec.updateStrategy", """{"type":"RollingUpdate","rollingUpdate":{"partition":0}}""")]
    [InlineData("StatefulSet", "spec.persistentVolumeClaimRetentionPolicy", """{"whenDeleted":"Retain","whenScaled":"Retain"}""")]
    [InlineData("StatefulSet", "spec.replicas", "1")]
    [InlineData("StatefulSet", "spec.revisionHistoryLimit", "10")]
    [InlineData("DaemonSet", "spec.updateStrategy", """{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}}""")]
    [InlineData("DaemonSet", "spec.revisionHistoryLimit", "10")]
    [InlineData("DaemonSet", "metadata.annotations", """{"deprecated.daemonset.template.generation":"1"}""")]
    [InlineData("ReplicaSet", "spec.replicas", "1")]
    public void Workload_defaults(string kind, string path, string expected)
    {
        var obj = Pipeline.Valid(kind, T("""{"spec":{"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}"""));
        Assert.Equal(expected, Pipeline.At(obj, path)?.ToJsonString());
    }

    [Theory]
    [InlineData("Deployment")]
    [InlineData("ReplicaSet")]
    [InlineData("StatefulSet")]
    [InlineData("DaemonSet")]
    public void Selector_must_match_template_labels(string kind)
    {
        var (_, causes) = Pipeline.Create(kind, """
            {"spec":{"selector":{"matchLabels":{"app":"api"}},"template":{"metadata":{"labels":{"app":"web","tier":"front"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}
            """);
        var cause = Assert.Single(causes);
        Assert.Equal(
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\", \"tier\":\"front\"}: `selector` does not match template `labels`",
            cause.ToString());
        Assert.Equal("FieldValueInvalid", cause.Reason);
    }

    [Fact]
    public void Missing_selector_is_required_and_mismatches_like_Kubernetes()
    {
        var (_, causes) = Pipeline.Create("Deployment", T("""{"spec":{TEMPLATE}}"""));
        Assert.Equal(
        [
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`",
        ], causes.Select(c => c.ToString()));
    }

    [Theory]
    [InlineData("Deployment", "deployment")]
    [InlineData("ReplicaSet", "deployment")]
    [InlineData("StatefulSet", "statefulset")]
    [InlineData("DaemonSet", "daemonset")]
    public void Empty_selector_is_invalid(string kind, string word)
    {
        var (_, causes) = Pipeline.Create(kind, T("""{"spec":{"selector":{},TEMPLATE}}"""));
        Pipeline.HasCause(causes, "spec.selector", "FieldValueInvalid",
            $"Invalid value: v1.LabelSelector{{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}: empty selector is invalid for {word}");
    }

    [Theory]
    [InlineData("Deployment", """{"spec":{"replicas":-1,"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}""", "spec.replicas", "FieldValueInvalid", "Invalid value: -1: must be greater than or equal to 0")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"Recreate","rollingUpdate":{}},TEMPLATE}}""", "spec.strategy.rollingUpdate", "FieldValueForbidden", "Forbidden: may not be specified when strategy `type` is 'Recreate'")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"BlueGreen"},TEMPLATE}}""", "spec.strategy", "FieldValueNotSupported", "Unsupported value: apps.DeploymentStrategy{Type:\"BlueGreen\", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: \"Recreate\", \"RollingUpdate\"")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchLabels":{"app":"web"}},"strategy":{"rollingUpdate":{"maxUnavailable":0,"maxSurge":0}},TEMPLATE}}""", "spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid", "Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: may not be 0 when `maxSurge` is 0")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchLabels":{"app":"web"}},"strategy":{"rollingUpdate":{"maxUnavailable":"150%"}},TEMPLATE}}""", "spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid", "Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: must not be greater than 100%")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchLabels":{"app":"web"}},"strategy":{"rollingUpdate":{"maxSurge":"lots"}},TEMPLATE}}""", "spec.strategy.rollingUpdate.maxSurge", "FieldValueInvalid", "Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"lots\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchLabels":{"app":"web"}},"minReadySeconds":700,TEMPLATE}}""", "spec.progressDeadlineSeconds", "FieldValueInvalid", "Invalid value: 600: must be greater than minReadySeconds")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}""", "spec.template.spec.restartPolicy", "FieldValueNotSupported", "Unsupported value: \"Never\": supported values: \"Always\"")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"activeDeadlineSeconds":5,"containers":[{"name":"c","image":"x"}]}}}}""", "spec.template.spec.activeDeadlineSeconds", "FieldValueForbidden", "Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c"}]}}}}""", "spec.template.spec.containers[0].image", "FieldValueRequired", "Required value")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchExpressions":[{"key":"app","operator":"In"}]},TEMPLATE}}""", "spec.selector.matchExpressions[0].values", "FieldValueRequired", "Required value: must be specified when `operator` is 'In' or 'NotIn'")]
    [InlineData("Deployment", """{"spec":{"selector":{"matchExpressions":[{"key":"app","operator":"Near","values":["web"]}]},TEMPLATE}}""", "spec.selector.matchExpressions[0].operator", "FieldValueInvalid", "Invalid value: \"Near\": not a valid selector operator")]
    [InlineData("StatefulSet", """{"metadata":{"name":"db.primary"},"spec":{"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}""", "metadata.name", "FieldValueInvalid", "Invalid value: \"db.primary\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")]
    [InlineData("StatefulSet", """{"spec":{"podManagementPolicy":"Random","selector":{"matchLabels":{"app":"web"}},TEMPLATE}}""", "spec.podManagementPolicy", "FieldValueInvalid", "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'")]
    [InlineData("StatefulSet", """{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":-1}},"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}""", "spec.updateStrategy.rollingUpdate.partition", "FieldValueInvalid", "Invalid value: -1: must be greater than or equal to 0")]
    [InlineData("DaemonSet", """{"spec":{"updateStrategy":{"rollingUpdate":{"maxUnavailable":1,"maxSurge":1}},"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}""", "spec.updateStrategy.rollingUpdate.maxSurge", "FieldValueInvalid", "Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:\"\"}: may not be set when maxUnavailable is non-zero")]
    [InlineData("DaemonSet", """{"spec":{"updateStrategy":{"rollingUpdate":{"maxUnavailable":0,"maxSurge":0}},"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}""", "spec.updateStrategy.rollingUpdate.maxUnavailable", "FieldValueRequired", "Required value: cannot be 0 when maxSurge is 0")]
    public void Workload_rules(string kind, string json, string field, string reason, string message)
    {
        var (_, causes) = Pipeline.Create(kind, json.Replace("TEMPLATE", Template, StringComparison.Ordinal));
        Pipeline.HasCause(causes, field, reason, message);
    }

    [Theory]
    [InlineData("Deployment")]
    [InlineData("ReplicaSet")]
    [InlineData("DaemonSet")]
    public void Selector_is_immutable(string kind)
    {
        var old = Pipeline.Valid(kind, T("""{"spec":{"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}"""));
        var updated = Pipeline.Edit(old, o =>
        {
            o["spec"]!["selector"] = JsonNode.Parse("""{"matchLabels":{"app":"web","v":"2"}}""");
            o["spec"]!["template"]!["metadata"]!["labels"]!["v"] = "2";
        });
        var causes = Pipeline.Update(kind, old, updated);
        Assert.Equal(
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"v\":\"2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable",
            Assert.Single(causes).ToString());
    }

    [Fact]
    public void Statefulset_updates_are_limited_to_the_mutable_fields()
    {
        var old = Pipeline.Valid("StatefulSet", T("""{"spec":{"serviceName":"web","selector":{"matchLabels":{"app":"web"}},TEMPLATE}}"""));
        Assert.Empty(Pipeline.Update("StatefulSet", old, Pipeline.Edit(old, o => { o["spec"]!["replicas"] = 3; o["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:2"; })));
        var causes = Pipeline.Update("StatefulSet", old, Pipeline.Edit(old, o => o["spec"]!["serviceName"] = "db"));
        Pipeline.HasCause(causes, "spec", "FieldValueForbidden",
            "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
    }

    [Fact]
    public void Deployment_generation_counts_spec_and_annotation_changes_and_status_is_kept()
    {
        var strategy = Pipeline.Strategy("Deployment");
        var old = Pipeline.Valid("Deployment", T("""{"spec":{"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}"""));
        old["status"] = JsonNode.Parse("""{"replicas":1,"readyReplicas":1}""");
        var annotated = Pipeline.Edit(old, o => o["metadata"]!["annotations"] = new JsonObject { ["kubernetes.io/change-cause"] = "x" });
        annotated.Remove("status");
        Assert.Empty(Pipeline.Update("Deployment", old, annotated));
        Assert.Equal(1, Json.Long(annotated, "status", "replicas"));
        Assert.True(strategy.SpecChanged(annotated, old));
        Assert.False(strategy.SpecChanged(Pipeline.Edit(old, o => o["metadata"]!["labels"] = new JsonObject { ["a"] = "b" }), old));
        Assert.True(strategy.SpecChanged(Pipeline.Edit(old, o => o["spec"]!["replicas"] = 3), old));
    }

    [Fact]
    public void Create_clears_status_and_status_updates_are_checked()
    {
        var strategy = Pipeline.Strategy("Deployment");
        var d = Pipeline.Valid("Deployment", T("""{"spec":{"selector":{"matchLabels":{"app":"web"}},TEMPLATE},"status":{"replicas":9}}"""));
        Assert.Null(d["status"]);
        var update = Pipeline.Edit(d, o => o["status"] = JsonNode.Parse("""{"replicas":1,"readyReplicas":2,"availableReplicas":-1}"""));
        strategy.PrepareForStatusUpdate(update, d);
        var causes = strategy.ValidateStatusUpdate(update, d);
        Pipeline.HasCause(causes, "status.readyReplicas", "FieldValueInvalid", "Invalid value: 2: cannot be greater than status.replicas");
        Pipeline.HasCause(causes, "status.availableReplicas", "FieldValueInvalid", "Invalid value: -1: must be greater than or equal to 0");
    }

    [Fact]
    public void Daemonset_template_generation_follows_template_changes()
    {
        var old = Pipeline.Valid("DaemonSet", T("""{"spec":{"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}"""));
        var changed = Pipeline.Edit(old, o => o["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:2");
        Assert.Empty(Pipeline.Update("DaemonSet", old, changed));
        Assert.Equal("2", Json.String(changed, "metadata", "annotations", DaemonSetStrategy.TemplateGenerationAnnotation));
        var relabelled = Pipeline.Edit(changed, o => o["metadata"]!["labels"] = new JsonObject { ["a"] = "b" });
        Pipeline.Update("DaemonSet", changed, relabelled);
        Assert.Equal("2", Json.String(relabelled, "metadata", "annotations", DaemonSetStrategy.TemplateGenerationAnnotation));
    }

    [Fact]
    public void Workload_tables()
    {
        var deployment = Pipeline.Valid("Deployment", T("""{"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["b","a"]}]},"template":{"metadata":{"labels":{"app":"web","tier":"a"}},"spec":{"containers":[{"name":"web","image":"nginx"},{"name":"log","image":"busybox"}]}}}}"""));
        deployment["status"] = JsonNode.Parse("""{"replicas":3,"updatedReplicas":2,"readyReplicas":1,"availableReplicas":1}""");
        Assert.Equal(new object?[] { "test", "1/3", 2L, 1L, "60m", "web,log", "nginx,busybox", "app=web,tier in (a,b)" }, Pipeline.Strategy("Deployment").Cells(deployment, Pipeline.Now));

        var rs = Pipeline.Valid("ReplicaSet", T("""{"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}"""));
        rs["status"] = JsonNode.Parse("""{"replicas":2,"readyReplicas":1}""");
        Assert.Equal(new object?[] { "test", 2L, 2L, 1L, "60m", "web", "nginx", "app=web" }, Pipeline.Strategy("ReplicaSet").Cells(rs, Pipeline.Now));

        var sts = Pipeline.Valid("StatefulSet", T("""{"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},TEMPLATE}}"""));
        sts["status"] = JsonNode.Parse("""{"readyReplicas":2}""");
        Assert.Equal(new object?[] { "test", "2/3", "60m", "web", "nginx" }, Pipeline.Strategy("StatefulSet").Cells(sts, Pipeline.Now));

        var ds = Pipeline.Valid("DaemonSet", """{"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"nodeSelector":{"kubernetes.io/os":"linux"},"containers":[{"name":"web","image":"nginx"}]}}}}""");
        ds["status"] = JsonNode.Parse("""{"desiredNumberScheduled":2,"currentNumberScheduled":2,"numberReady":1,"updatedNumberScheduled":2,"numberAvailable":1}""");
        Assert.Equal(new object?[] { "test", 2L, 2L, 1L, 2L, 1L, "kubernetes.io/os=linux", "60m", "web", "nginx", "app=web" }, Pipeline.Strategy("DaemonSet").Cells(ds, Pipeline.Now));
    }
}
