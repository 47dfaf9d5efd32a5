using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;
using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class PodUpdateTests
{
    private const string Prefix =
        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    private static JsonObject Created() => Pipeline.Valid("Pod", """
        {"metadata":{"labels":{"app":"web"}},"spec":{"activeDeadlineSeconds":600,
          "containers":[{"name":"web","image":"nginx:1.26","ports":[{"containerPort":80}]}]}}
        """);

    public static TheoryData<string, Action<JsonObject>> Allowed => new()
    {
        { "image", p => Container(p)["image"] = "nginx:1.27" },
        { "labels", p => p["metadata"]!["labels"]!["tier"] = "front" },
        { "lower deadline", p => p["spec"]!["activeDeadlineSeconds"] = 300 },
        { "added toleration", p => p["spec"]!["tolerations"]!.AsArray().Add(new JsonObject { ["key"] = "k", ["operator"] = "Exists" }) },
        { "toleration seconds", p => p["spec"]!["tolerations"]![0]!["tolerationSeconds"] = 60 },
        { "status ignored", p => p["status"] = new JsonObject { ["phase"] = "Running" } },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Allowed_updates_pass(string what, Action<JsonObject> edit)
    {
        var old = Created();
        var causes = Pipeline.Update("Pod", old, Pipeline.Edit(old, edit));
        Assert.True(causes.Count == 0, $"{what}: {string.Join("\n", causes)}");
    }

    public static TheoryData<string, Action<JsonObject>, string, string> Forbidden => new()
    {
        { "port", p => Container(p)["ports"]![0]!["containerPort"] = 81, "spec", Prefix + "\n  spec.containers: " },
        { "node", p => p["spec"]!["nodeName"] = "node-1", "spec", Prefix + "\n  spec.nodeName: null -> \"node-1\"" },
        { "add container", p => p["spec"]!["containers"]!.AsArray().Add(new JsonObject { ["name"] = "b", ["image"] = "x" }), "spec.containers", "Forbidden: pod updates may not add or remove containers" },
        { "raise deadline", p => p["spec"]!["activeDeadlineSeconds"] = 900, "spec.activeDeadlineSeconds", "Invalid value: 900: must be less than or equal to previous value" },
        { "drop deadline", p => p["spec"]!.AsObject().Remove("activeDeadlineSeconds"), "spec.activeDeadlineSeconds", "Invalid value: null: must not update from a positive integer to nil value" },
        { "remove toleration", p => p["spec"]!["tolerations"]!.AsArray().RemoveAt(0), "spec.tolerations", "Forbidden: existing toleration can not be modified except its tolerationSeconds" },
        { "add gate", p => p["spec"]!["schedulingGates"] = new JsonArray(new JsonObject { ["name"] = "example.com/x" }), "spec.schedulingGates[0].name", "Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/x'" },
        { "rename", p => p["metadata"]!["name"] = "other", "metadata.name", "Invalid value: \"other\": field is immutable" },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void Immutable_fields_are_rejected(string what, Action<JsonObject> edit, string field, string messageStart)
    {
        var old = Created();
        var causes = Pipeline.Update("Pod", old, Pipeline.Edit(old, edit));
        Assert.True(causes.Any(c => c.Field == field && c.Message.StartsWith(messageStart, StringComparison.Ordinal)),
            $"{what}: expected {field}: {messageStart}\n got {string.Join("\n", causes)}");
    }

    [Fact]
    public void Update_keeps_status_and_the_strategy_bumps_generation_only_for_spec()
    {
        var old = Created();
        old["status"]!["phase"] = "Running";
        var relabelled = Pipeline.Edit(old, p => p["metadata"]!["labels"]!["x"] = "y");
        relabelled["status"] = new JsonObject { ["phase"] = "Failed" };
        Pipeline.Update("Pod", old, relabelled);
        Assert.Equal("Running", Json.String(relabelled, "status", "phase"));
        var strategy = new PodStrategy();
        Assert.False(strategy.SpecChanged(relabelled, old));
        Assert.True(strategy.SpecChanged(Pipeline.Edit(old, p => Container(p)["image"] = "nginx:2"), old));
    }

    [Fact]
    public void Status_updates_keep_the_spec_and_may_not_change_the_qos_class()
    {
        var strategy = new PodStrategy();
        var old = Created();
        var update = Pipeline.Edit(old, p =>
        {
            p["spec"]!["nodeName"] = "sneaky";
            p["status"] = new JsonObject { ["phase"] = "Running", ["qosClass"] = "Guaranteed", ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = "10.1.0.5" }) };
        });
        strategy.PrepareForStatusUpdate(update, old);
        Assert.Null(Json.String(update, "spec", "nodeName"));
        Pipeline.HasCause(strategy.ValidateStatusUpdate(update, old), "status.qosClass", "FieldValueInvalid", "Invalid value: \"Guaranteed\": field is immutable");
    }

    [Fact]
    public void Terminated_containers_of_never_restarting_pods_stay_terminated()
    {
        var strategy = new PodStrategy();
        var old = Pipeline.Valid("Pod", """{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"a"}]}}""");
        old["status"]!["containerStatuses"] = JsonNode.Parse("""[{"name":"c","state":{"terminated":{"exitCode":0}}}]""");
        var update = Pipeline.Edit(old, p => p["status"]!["containerStatuses"] = JsonNode.Parse("""[{"name":"c","state":{"running":{}}}]"""));
        Pipeline.HasCause(strategy.ValidateStatusUpdate(update, old), "status.containerStatuses[0].state", "FieldValueForbidden", "Forbidden: may not be transitioned to non-terminated state");
    }

    [Fact]
    public void Binding_sets_the_node_once()
    {
        var pod = Created();
        Assert.Null(PodStrategy.Bind(pod, "node-1", Pipeline.Now));
        Assert.Equal("node-1", Json.String(pod, "spec", "nodeName"));
        var scheduled = Nodes.Condition(Json.Array(pod, "status", "conditions"), "PodScheduled");
        Assert.Equal("True", Json.String(scheduled, "status"));
        Assert.Equal("2026-11-30T12:00:00Z", Json.String(scheduled, "lastTransitionTime"));
        Assert.Equal("pod test is already assigned to node \"node-1\"", PodStrategy.Bind(pod, "node-2", Pipeline.Now));
    }

    private static JsonObject Container(JsonObject pod) => pod["spec"]!["containers"]![0]!.AsObject();
}
