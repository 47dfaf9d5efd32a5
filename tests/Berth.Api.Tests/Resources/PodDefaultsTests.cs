using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;
using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class PodDefaultsTests
{
    private const string Minimal = """
        {"spec":{"containers":[{"name":"web","image":"nginx:1.27",
          "ports":[{"containerPort":80}],
          "livenessProbe":{"httpGet":{"port":80}},
          "readinessProbe":{"grpc":{"port":9000},"timeoutSeconds":0},
          "env":[{"name":"NODE","valueFrom":{"fieldRef":{"fieldPath":"spec.nodeName"}}},
                 {"name":"MEM","valueFrom":{"resourceFieldRef":{"resource":"limits.memory"}}}],
          "resources":{"limits":{"cpu":"500m","memory":"64Mi"}}}],
          "volumes":[{"name":"cfg","configMap":{"name":"c"}},{"name":"sec","secret":{"secretName":"s"}},
                     {"name":"scratch"},{"name":"host","hostPath":{"path":"/data"}},
                     {"name":"proj","projected":{"sources":[{"serviceAccountToken":{"path":"token"}}]}}]}}
        """;

    [Theory]
    [InlineData("spec.restartPolicy", "\"Always\"")]
    [InlineData("spec.dnsPolicy", "\"ClusterFirst\"")]
    [InlineData("spec.terminationGracePeriodSeconds", "30")]
    [InlineData("spec.schedulerName", "\"default-scheduler\"")]
    [InlineData("spec.securityContext", "{}")]
    [InlineData("spec.enableServiceLinks", "true")]
    [InlineData("spec.serviceAccountName", "\"default\"")]
    [InlineData("spec.serviceAccount", "\"default\"")]
    [InlineData("spec.priority", "0")]
    [InlineData("spec.preemptionPolicy", "\"PreemptLowerPriority\"")]
    [InlineData("status.phase", "\"Pending\"")]
    [InlineData("status.qosClass", "\"Guaranteed\"")]
    public void Pod_fields_get_Kubernetes_defaults(string path, string expected)
    {
        var pod = Pipeline.Valid("Pod", Minimal);
        Assert.Equal(expected, Pipeline.At(pod, path)?.ToJsonString());
    }

    [Theory]
    [InlineData("imagePullPolicy", "\"IfNotPresent\"")]
    [InlineData("terminationMessagePath", "\"/dev/termination-log\"")]
    [InlineData("terminationMessagePolicy", "\"File\"")]
    [InlineData("ports.0.protocol", "\"TCP\"")]
    [InlineData("livenessProbe.timeoutSeconds", "1")]
    [InlineData("livenessProbe.periodSeconds", "10")]
    [InlineData("livenessProbe.successThreshold", "1")]
    [InlineData("livenessProbe.failureThreshold", "3")]
    [InlineData("livenessProbe.httpGet.path", "\"/\"")]
    [InlineData("livenessProbe.httpGet.scheme", "\"HTTP\"")]
    [InlineData("readinessProbe.timeoutSeconds", "1")]
    [InlineData("readinessProbe.grpc.service", "\"\"")]
    [InlineData("env.0.valueFrom.fieldRef.apiVersion", "\"v1\"")]
    [InlineData("env.1.valueFrom.resourceFieldRef.divisor", "\"0\"")]
    [InlineData("resources.requests", "{\"cpu\":\"500m\",\"memory\":\"64Mi\"}")]
    public void Container_fields_get_Kubernetes_defaults(string path, string expected)
    {
        var pod = Pipeline.Valid("Pod", Minimal);
        JsonNode? node = Json.Array(pod, "spec", "containers")![0];
        foreach (var step in path.Split('.'))
        {
            node = int.TryParse(step, out var i) ? node?.AsArray()[i] : node?[step];
        }

        Assert.Equal(expected, node?.ToJsonString());
    }

    [Theory]
    [InlineData(0, "configMap.defaultMode", "420")]
    [InlineData(1, "secret.defaultMode", "420")]
    [InlineData(2, "emptyDir", "{}")]
    [InlineData(3, "hostPath.type", "\"\"")]
    [InlineData(4, "projected.defaultMode", "420")]
    public void Volumes_get_Kubernetes_defaults(int index, string path, string expected)
    {
        var pod = Pipeline.Valid("Pod", Minimal);
        Assert.Equal(expected, Pipeline.At(Json.Array(pod, "spec", "volumes")![index], path)?.ToJsonString());
        Assert.Equal("3600", Json.Walk(pod, "spec", "volumes")!.AsArray()[4]!["projected"]!["sources"]![0]!["serviceAccountToken"]!["expirationSeconds"]!.ToJsonString());
    }

    [Theory]
    [InlineData("nginx", "Always")]
    [InlineData("nginx:latest", "Always")]
    [InlineData("nginx:1.27", "IfNotPresent")]
    [InlineData("registry:5000/kubevirt/cirros", "Always")]
    [InlineData("registry:5000/kubevirt/cirros:devel", "IfNotPresent")]
    [InlineData("busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent")]
    [InlineData("busybox:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "Always")]
    public void Image_pull_policy_follows_the_tag(string image, string policy)
    {
        var pod = Pipeline.Valid("Pod", $$$"""{"spec":{"containers":[{"name":"c","image":"{{{image}}}"}]}}""");
        Assert.Equal(policy, Json.String(Json.Array(pod, "spec", "containers")![0], "imagePullPolicy"));
    }

    [Fact]
    public void Explicit_values_are_kept()
    {
        var pod = Pipeline.Valid("Pod", """
            {"spec":{"restartPolicy":"Never","serviceAccountName":"builder","terminationGracePeriodSeconds":5,
              "containers":[{"name":"c","image":"nginx","imagePullPolicy":"Never","unknownField":{"kept":true}}]}}
            """);
        Assert.Equal("Never", Json.String(pod, "spec", "restartPolicy"));
        Assert.Equal("builder", Json.String(pod, "spec", "serviceAccount"));
        Assert.Equal(5, Json.Long(pod, "spec", "terminationGracePeriodSeconds"));
        Assert.Equal("Never", Json.String(Json.Array(pod, "spec", "containers")![0], "imagePullPolicy"));
        Assert.Equal(true, Json.Bool(Json.Array(pod, "spec", "containers")![0], "unknownField", "kept"));
    }

    [Fact]
    public void DefaultTolerationSeconds_admission_adds_not_ready_and_unreachable_tolerations()
    {
        var pod = Pipeline.Valid("Pod", """{"spec":{"containers":[{"name":"c","image":"nginx"}]}}""");
        Assert.Equal(
            """[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]""",
            Json.Array(pod, "spec", "tolerations")!.ToJsonString());

        var tolerant = Pipeline.Valid("Pod", """{"spec":{"tolerations":[{"operator":"Exists"}],"containers":[{"name":"c","image":"nginx"}]}}""");
        Assert.Single(Json.Array(tolerant, "spec", "tolerations")!);
    }

    [Theory]
    [InlineData("", 0L)]
    [InlineData("system-node-critical", 2000001000L)]
    [InlineData("system-cluster-critical", 2000000000L)]
    public void Priority_admission_resolves_built_in_classes(string className, long priority)
    {
        var pod = Pipeline.Valid("Pod", $$$"""{"spec":{"priorityClassName":"{{{className}}}","containers":[{"name":"c","image":"nginx"}]}}""");
        Assert.Equal(priority, Json.Long(pod, "spec", "priority"));
    }

    [Theory]
    [InlineData("""[{"name":"c","image":"x"}]""", "BestEffort")]
    [InlineData("""[{"name":"c","image":"x","resources":{"requests":{"cpu":"100m"}}}]""", "Burstable")]
    [InlineData("""[{"name":"c","image":"x","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]""", "Guaranteed")]
    [InlineData("""[{"name":"c","image":"x","resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"500m"}}}]""", "Burstable")]
    [InlineData("""[{"name":"a","image":"x","resources":{"limits":{"cpu":"1","memory":"1Gi"}}},{"name":"b","image":"x"}]""", "Burstable")]
    public void Qos_class_is_computed_on_create(string containers, string qos)
    {
        var pod = Pipeline.Valid("Pod", $$$"""{"spec":{"containers":{{{containers}}}}}""");
        Assert.Equal(qos, Json.String(pod, "status", "qosClass"));
    }

    [Fact]
    public void Status_sent_on_create_is_replaced_and_scheduling_gates_add_a_condition()
    {
        var pod = Pipeline.Valid("Pod", """
            {"spec":{"schedulingGates":[{"name":"example.com/wait"}],"containers":[{"name":"c","image":"nginx"}]},
             "status":{"phase":"Running","podIP":"10.0.0.9"}}
            """);
        Assert.Equal("Pending", Json.String(pod, "status", "phase"));
        Assert.Null(Json.String(pod, "status", "podIP"));
        Assert.Equal("SchedulingGated", Json.String(Json.Array(pod, "status", "conditions")![0], "reason"));
    }

    [Fact]
    public void Templates_get_pod_spec_defaults_but_not_the_pod_only_ones()
    {
        var deployment = Pipeline.Valid("Deployment", """
            {"spec":{"selector":{"matchLabels":{"app":"w"}},"template":{"metadata":{"labels":{"app":"w"}},
              "spec":{"containers":[{"name":"c","image":"nginx","resources":{"limits":{"cpu":"1"}}}]}}}}
            """);
        var spec = Json.Object(deployment, "spec", "template", "spec")!;
        Assert.Equal("Always", Json.String(spec, "restartPolicy"));
        Assert.Equal("ClusterFirst", Json.String(spec, "dnsPolicy"));
        Assert.False(spec.ContainsKey("enableServiceLinks"));
        Assert.False(spec.ContainsKey("serviceAccountName"));
        Assert.False(spec.ContainsKey("tolerations"));
        Assert.Null(Json.Walk(spec, "containers")!.AsArray()[0]!["resources"]!["requests"]);
    }

    [Fact]
    public void Host_network_pods_get_host_ports()
    {
        var pod = Pipeline.Valid("Pod", """{"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":8080}]}]}}""");
        Assert.Equal(8080, Json.Long(Json.Walk(pod, "spec", "containers")!.AsArray()[0]!["ports"]![0], "hostPort"));
    }

    [Fact]
    public void Defaulting_is_idempotent()
    {
        var pod = Pipeline.Valid("Pod", Minimal);
        var again = (JsonObject)pod.DeepClone();
        new PodStrategy().ApplyDefaults(again);
        Assert.True(JsonNode.DeepEquals(pod, again));
    }
}
