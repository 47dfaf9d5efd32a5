using System.Text.Json.Nodes;
using Berth.Api.Patch;
using Xunit;
using static Berth.Api.Tests.Patch.JsonAssert;

namespace Berth.Api.Tests.Patch;

/// <summary>The strategic merge patches kubectl sends, applied to live objects with the built-in schemas.</summary>
[Trait("Tier", "Unit")]
public sealed class KubectlStrategicPatchTests
{
    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"web","namespace":"default","uid":"u1","resourceVersion":"12","generation":2,
           "annotations":{"deployment.kubernetes.io/revision":"2","kubectl.kubernetes.io/last-applied-configuration":"{}"},
           "labels":{"app":"web"},"finalizers":["example.com/keep"]},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
           "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
           "template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[
                 {"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80,"protocol":"TCP"}],
                  "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
                  "volumeMounts":[{"name":"data","mountPath":"/data"}],"imagePullPolicy":"IfNotPresent"},
                 {"name":"sidecar","image":"envoy:1","imagePullPolicy":"IfNotPresent"}],
               "volumes":[{"name":"data","hostPath":{"path":"/srv/data","type":""}}],
               "tolerations":[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists"}],
               "restartPolicy":"Always","terminationGracePeriodSeconds":30}}},
         "status":{"observedGeneration":2,"replicas":2,
           "conditions":[{"type":"Available","status":"True"},{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}]}}
        """;

    private static JsonObject Patch(string live, string patch, string group, string kind) =>
        StrategicMergePatch.Apply(Obj(live), Obj(patch), PatchSchema.For(group, kind)!);

    private static JsonObject PatchDeployment(string patch) => Patch(Deployment, patch, "apps", "Deployment");

    private static JsonNode Containers(JsonObject d) => d["spec"]!["template"]!["spec"]!["containers"]!;

    [Fact]
    public void ApplyChangingTheImage()
    {
        // The body kubectl apply sent for an image change (seen against a logging fake server).
        var result = PatchDeployment("""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"Deployment\"}\n"}},
             "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],
               "containers":[{"image":"nginx:1.27","name":"nginx"}]}}}}
            """);
        var nginx = Containers(result)[0]!;
        Assert.Equal("nginx:1.27", (string?)nginx["image"]);
        Equal("""[{"containerPort":80,"protocol":"TCP"}]""", nginx["ports"]);
        Equal("""[{"name":"A","value":"1"},{"name":"B","value":"2"}]""", nginx["env"]);
        Assert.Equal("envoy:1", (string?)Containers(result)[1]!["image"]);
        Assert.Equal("2", (string?)result["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]);
        Assert.Equal("{\"kind\":\"Deployment\"}\n", (string?)result["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]);
        Equal("""{"observedGeneration":2,"replicas":2,"conditions":[{"type":"Available","status":"True"},{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}]}""", result["status"]);
    }

    [Fact]
    public void SetImageOnOneOfTwoContainers()
    {
        var result = PatchDeployment("""{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],"containers":[{"image":"envoy:2","name":"sidecar"}]}}}}""");
        Assert.Equal(["nginx:1.25", "envoy:2"], Containers(result).AsArray().Select(c => (string?)c!["image"]));
    }

    [Fact]
    public void ApplyRemovingAContainer()
    {
        var result = PatchDeployment("""{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"$patch":"delete","name":"sidecar"}]}}}}""");
        Assert.Equal(["nginx"], Containers(result).AsArray().Select(c => (string?)c!["name"]));
    }

    [Fact]
    public void ApplyAddingAContainerFirst()
    {
        var result = PatchDeployment("""{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"init-like"},{"name":"nginx"},{"name":"sidecar"}],"containers":[{"image":"busybox","name":"init-like"}]}}}}""");
        Assert.Equal(["init-like", "nginx", "sidecar"], Containers(result).AsArray().Select(c => (string?)c!["name"]));
    }

    [Fact]
    public void ApplyEditingEnvByName()
    {
        var result = PatchDeployment("""
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],
              "containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"C"}],
                "env":[{"name":"A","value":"one"},{"name":"C","value":"3"},{"$patch":"delete","name":"B"}],"name":"nginx"}]}}}}
            """);
        Equal("""[{"name":"A","value":"one"},{"name":"C","value":"3"}]""", Containers(result)[0]!["env"]);
    }

    [Fact]
    public void ApplyAddingAPortAndAMountMergesByTheirKeys()
    {
        var result = PatchDeployment("""
            {"spec":{"template":{"spec":{"containers":[{"name":"nginx",
              "$setElementOrder/ports":[{"containerPort":80},{"containerPort":443}],"ports":[{"containerPort":443,"name":"https"}],
              "volumeMounts":[{"mountPath":"/data","readOnly":true},{"mountPath":"/cache","name":"cache"}]}]}}}}
            """);
        var nginx = Containers(result)[0]!;
        Equal("""[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"name":"https"}]""", nginx["ports"]);
        Equal("""[{"name":"data","mountPath":"/data","readOnly":true},{"mountPath":"/cache","name":"cache"}]""", nginx["volumeMounts"]);
    }

    [Theory]
    [InlineData("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""")]
    [InlineData("""{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"}}}""")]
    public void ApplyChangingTheStrategyToRecreateClearsRollingUpdate(string patch) =>
        Equal("""{"type":"Recreate"}""", PatchDeployment(patch)["spec"]!["strategy"]);

    [Fact]
    public void ApplyChangingAVolumeSourceKeepsOnlyTheNewSource()
    {
        var result = PatchDeployment("""{"spec":{"template":{"spec":{"$setElementOrder/volumes":[{"name":"data"}],"volumes":[{"$retainKeys":["emptyDir","name"],"emptyDir":{},"name":"data"}]}}}}""");
        Equal("""[{"name":"data","emptyDir":{}}]""", result["spec"]!["template"]!["spec"]!["volumes"]);
    }

    [Fact]
    public void TolerationsHaveNoStrategyAndAreReplaced()
    {
        var result = PatchDeployment("""{"spec":{"template":{"spec":{"tolerations":[{"key":"c","operator":"Exists"}]}}}}""");
        Equal("""[{"key":"c","operator":"Exists"}]""", result["spec"]!["template"]!["spec"]!["tolerations"]);
    }

    [Fact]
    public void RolloutRestartAddsATemplateAnnotation()
    {
        var result = PatchDeployment("""{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-27T10:00:00Z"}}}}}""");
        Equal("""{"labels":{"app":"web"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-27T10:00:00Z"}}""", result["spec"]!["template"]!["metadata"]);
    }

    [Fact]
    public void FinalizersMergeAsASet()
    {
        var added = PatchDeployment("""{"metadata":{"finalizers":["example.com/other","example.com/keep"]}}""");
        Equal("""["example.com/other","example.com/keep"]""", added["metadata"]!["finalizers"]);
        var removed = Patch(added.ToJsonString(), """{"metadata":{"$deleteFromPrimitiveList/finalizers":["example.com/keep"]}}""", "apps", "Deployment");
        Equal("""["example.com/other"]""", removed["metadata"]!["finalizers"]);
        var cleared = Patch(added.ToJsonString(), """{"metadata":{"finalizers":null}}""", "apps", "Deployment");
        Assert.False(cleared["metadata"]!.AsObject().ContainsKey("finalizers"));
    }

    [Fact]
    public void OwnerReferencesMergeByUid()
    {
        var rs = """{"metadata":{"name":"web-1","ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u1","controller":true}]},"spec":{}}""";
        var result = Patch(rs, """{"metadata":{"ownerReferences":[{"uid":"u1","blockOwnerDeletion":true},{"apiVersion":"v1","kind":"ConfigMap","name":"c","uid":"u2"}]}}""", "apps", "ReplicaSet");
        Equal("""[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u1","controller":true,"blockOwnerDeletion":true},{"apiVersion":"v1","kind":"ConfigMap","name":"c","uid":"u2"}]""",
            result["metadata"]!["ownerReferences"]);
        var orphaned = Patch(result.ToJsonString(), """{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"u1"}]}}""", "apps", "ReplicaSet");
        Equal("""[{"apiVersion":"v1","kind":"ConfigMap","name":"c","uid":"u2"}]""", orphaned["metadata"]!["ownerReferences"]);
    }

    [Fact]
    public void StatusConditionsMergeByType()
    {
        var result = PatchDeployment("""{"status":{"$setElementOrder/conditions":[{"type":"Available"},{"type":"Progressing"}],"conditions":[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable"}]}}""");
        Equal("""[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable"},{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}]""", result["status"]!["conditions"]);
    }

    [Fact]
    public void PodStatusFromAnAgent()
    {
        var pod = """
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]},
             "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"True"}],"podIPs":[{"ip":"10.0.0.5"}]}}
            """;
        var result = Patch(pod, """
            {"status":{"$setElementOrder/conditions":[{"type":"Initialized"},{"type":"Ready"},{"type":"PodScheduled"}],
              "conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
              "containerStatuses":[{"name":"c","ready":true,"restartCount":0}],"phase":"Running","podIPs":[{"ip":"10.0.0.5"},{"ip":"fd00::5"}]}}
            """, "", "Pod");
        Equal("""
            {"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"},{"type":"PodScheduled","status":"True"}],
             "podIPs":[{"ip":"10.0.0.5"},{"ip":"fd00::5"}],"containerStatuses":[{"name":"c","ready":true,"restartCount":0}]}
            """, result["status"]);
    }

    [Fact]
    public void ServicePortsMergeByPort()
    {
        var svc = """{"metadata":{"name":"s"},"spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"}],"clusterIP":"10.96.0.10"}}""";
        var result = Patch(svc, """{"spec":{"$setElementOrder/ports":[{"port":80},{"port":443}],"ports":[{"name":"https","port":443,"targetPort":8443}]}}""", "", "Service");
        Equal("""{"selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"},{"name":"https","port":443,"targetPort":8443}],"clusterIP":"10.96.0.10"}""", result["spec"]);
    }

    [Fact]
    public void NodeCordonAndTaints()
    {
        var node = """{"metadata":{"name":"n1"},"spec":{"podCIDRs":["10.244.0.0/24"],"taints":[{"key":"a","effect":"NoSchedule"}]}}""";
        var result = Patch(node, """{"spec":{"unschedulable":true,"taints":[{"key":"b","effect":"NoExecute"}],"podCIDRs":["fd00::/64"]}}""", "", "Node");
        // Without $setElementOrder a new scalar lands before the live ones (apimachinery's mergeSortedSlice).
        Equal("""{"podCIDRs":["fd00::/64","10.244.0.0/24"],"taints":[{"key":"b","effect":"NoExecute"}],"unschedulable":true}""", result["spec"]);
    }

    [Fact]
    public void CronJobTemplateContainersMergeByName()
    {
        var cronJob = """
            {"metadata":{"name":"c"},"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{
              "containers":[{"name":"job","image":"busybox:1","args":["date"]}],"restartPolicy":"OnFailure"}}}}}}
            """;
        var result = Patch(cronJob, """{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"job"}],"containers":[{"image":"busybox:2","name":"job"}]}}}}}}""", "batch", "CronJob");
        Equal("""[{"name":"job","image":"busybox:2","args":["date"]}]""", result["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!["containers"]);
    }

    [Fact]
    public void ConfigMapDataMergesAsAMap()
    {
        var cm = """{"metadata":{"name":"c"},"data":{"a":"1","b":"2"}}""";
        Equal("""{"a":"1","c":"3"}""", Patch(cm, """{"data":{"b":null,"c":"3"}}""", "", "ConfigMap")["data"]);
    }

    [Fact]
    public void ApplyWithAnUnchangedPatchIsANoOp()
    {
        Equal(Deployment, PatchDeployment("{}"));
    }
}
