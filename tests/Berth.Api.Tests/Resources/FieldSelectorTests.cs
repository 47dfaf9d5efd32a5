using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class FieldSelectorTests
{
    private const string Pod = """
        {"metadata":{"name":"web","namespace":"shop"},
         "spec":{"nodeName":"berth-1","restartPolicy":"Always","schedulerName":"default-scheduler","serviceAccountName":"default","hostNetwork":true},
         "status":{"phase":"Running","podIP":"10.88.0.4","podIPs":[{"ip":"10.88.0.4"}],"nominatedNodeName":"berth-2"}}
        """;

    private const string Event = """
        {"metadata":{"name":"web.1","namespace":"shop"},"reason":"Pulled","type":"Normal","reportingComponent":"",
         "source":{"component":"kubelet"},
         "involvedObject":{"kind":"Pod","namespace":"shop","name":"web","uid":"u-1","apiVersion":"v1","resourceVersion":"42","fieldPath":"spec.containers{web}"}}
        """;

    [Theory]
    [InlineData("Pod", Pod, "metadata.name", "web")]
    [InlineData("Pod", Pod, "metadata.namespace", "shop")]
    [InlineData("Pod", Pod, "spec.nodeName", "berth-1")]
    [InlineData("Pod", Pod, "spec.restartPolicy", "Always")]
    [InlineData("Pod", Pod, "spec.schedulerName", "default-scheduler")]
    [InlineData("Pod", Pod, "spec.serviceAccountName", "default")]
    [InlineData("Pod", Pod, "spec.hostNetwork", "true")]
    [InlineData("Pod", """{"metadata":{"name":"p"}}""", "spec.hostNetwork", "false")]
    [InlineData("Pod", """{"metadata":{"name":"p"}}""", "spec.nodeName", "")]
    [InlineData("Pod", Pod, "status.phase", "Running")]
    [InlineData("Pod", Pod, "status.podIP", "10.88.0.4")]
    [InlineData("Pod", Pod, "status.nominatedNodeName", "berth-2")]
    [InlineData("Event", Event, "involvedObject.kind", "Pod")]
    [InlineData("Event", Event, "involvedObject.namespace", "shop")]
    [InlineData("Event", Event, "involvedObject.name", "web")]
    [InlineData("Event", Event, "involvedObject.uid", "u-1")]
    [InlineData("Event", Event, "involvedObject.apiVersion", "v1")]
    [InlineData("Event", Event, "involvedObject.resourceVersion", "42")]
    [InlineData("Event", Event, "involvedObject.fieldPath", "spec.containers{web}")]
    [InlineData("Event", Event, "reason", "Pulled")]
    [InlineData("Event", Event, "reportingComponent", "")]
    [InlineData("Event", Event, "source", "kubelet")]
    [InlineData("Event", """{"metadata":{"name":"e"},"reportingComponent":"berth-scheduler"}""", "source", "berth-scheduler")]
    [InlineData("Event", Event, "type", "Normal")]
    [InlineData("Node", """{"metadata":{"name":"n"},"spec":{"unschedulable":true}}""", "spec.unschedulable", "true")]
    [InlineData("Node", """{"metadata":{"name":"n"}}""", "spec.unschedulable", "false")]
    [InlineData("Secret", """{"metadata":{"name":"s"},"type":"kubernetes.io/tls"}""", "type", "kubernetes.io/tls")]
    [InlineData("Namespace", """{"metadata":{"name":"ns"},"status":{"phase":"Terminating"}}""", "status.phase", "Terminating")]
    [InlineData("ReplicaSet", """{"metadata":{"name":"rs"},"status":{"replicas":3}}""", "status.replicas", "3")]
    [InlineData("ReplicaSet", """{"metadata":{"name":"rs"}}""", "status.replicas", "0")]
    [InlineData("Job", """{"metadata":{"name":"j"},"status":{"succeeded":2}}""", "status.successful", "2")]
    [InlineData("Service", """{"metadata":{"name":"s"},"spec":{"clusterIP":"10.96.0.1","type":"ClusterIP"}}""", "spec.clusterIP", "10.96.0.1")]
    [InlineData("Service", """{"metadata":{"name":"s"},"spec":{"clusterIP":"10.96.0.1","type":"NodePort"}}""", "spec.type", "NodePort")]
    [InlineData("Deployment", """{"metadata":{"name":"d","namespace":"shop"}}""", "metadata.namespace", "shop")]
    public void Supported_fields_have_values(string kind, string json, string field, string expected)
    {
        Assert.True(Pipeline.Strategy(kind).TryGetField(Pipeline.Parse(json), field, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("Pod", "spec.containers")]
    [InlineData("Pod", "status.hostIP")]
    [InlineData("Event", "message")]
    [InlineData("Deployment", "spec.replicas")]
    [InlineData("Node", "metadata.namespace")]
    [InlineData("Namespace", "metadata.namespace")]
    [InlineData("ConfigMap", "data")]
    [InlineData("Service", "spec.ports")]
    public void Unsupported_fields_are_refused(string kind, string field) =>
        Assert.False(Pipeline.Strategy(kind).TryGetField(Pipeline.Parse("""{"metadata":{"name":"x"}}"""), field, out _));
}
