using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;
using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class ServiceTests
{
    private const string Web = """{"metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}}""";

    [Theory]
    [InlineData("spec.type", "\"ClusterIP\"")]
    [InlineData("spec.sessionAffinity", "\"None\"")]
    [InlineData("spec.ports", """[{"port":80,"protocol":"TCP","targetPort":80}]""")]
    [InlineData("spec.internalTrafficPolicy", "\"Cluster\"")]
    [InlineData("spec.ipFamilyPolicy", "\"SingleStack\"")]
    [InlineData("spec.ipFamilies", """["IPv4"]""")]
    [InlineData("status", """{"loadBalancer":{}}""")]
    public void Service_defaults(string path, string expected) =>
        Assert.Equal(expected, Pipeline.At(Pipeline.Valid("Service", Web), path)?.ToJsonString());

    [Fact]
    public void NodePort_and_LoadBalancer_defaults()
    {
        var nodePort = Pipeline.Valid("Service", """{"spec":{"type":"NodePort","ports":[{"port":80,"targetPort":"http"}]}}""");
        Assert.Equal("Cluster", Json.String(nodePort, "spec", "externalTrafficPolicy"));
        Assert.Equal("http", Json.String(Json.Array(nodePort, "spec", "ports")![0], "targetPort"));
        var lb = Pipeline.Valid("Service", """{"spec":{"type":"LoadBalancer","ports":[{"port":443}]}}""");
        Assert.Equal(true, Json.Bool(lb, "spec", "allocateLoadBalancerNodePorts"));
        Assert.Equal([0], ServiceStrategy.PortsNeedingNodePort(lb));
        var external = Pipeline.Valid("Service", """{"spec":{"type":"ExternalName","externalName":"db.example.com"}}""");
        Assert.Null(Json.Walk(external, "spec", "ipFamilies"));
        Assert.False(ServiceStrategy.NeedsClusterIP(external));
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"1web"},"spec":{"ports":[{"port":80}]}}""", "metadata.name", "FieldValueInvalid", "Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")]
    [InlineData("""{"spec":{"selector":{"app":"web"}}}""", "spec.ports", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"ports":[{"port":80},{"port":443}]}}""", "spec.ports[0].name", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"ports":[{"name":"web","port":80},{"name":"web","port":443}]}}""", "spec.ports[1].name", "FieldValueDuplicate", "Duplicate value: \"web\"")]
    [InlineData("""{"spec":{"ports":[{"port":0}]}}""", "spec.ports[0].port", "FieldValueInvalid", "Invalid value: 0: must be between 1 and 65535, inclusive")]
    [InlineData("""{"spec":{"ports":[{"port":80,"protocol":"HTTP"}]}}""", "spec.ports[0].protocol", "FieldValueNotSupported", "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"")]
    [InlineData("""{"spec":{"ports":[{"name":"a","port":80},{"name":"b","port":80}]}}""", "spec.ports[1]", "FieldValueDuplicate", "Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}")]
    [InlineData("""{"spec":{"type":"Internal","ports":[{"port":80}]}}""", "spec.type", "FieldValueNotSupported", "Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"")]
    [InlineData("""{"spec":{"ports":[{"port":80,"nodePort":30080}]}}""", "spec.ports[0].nodePort", "FieldValueForbidden", "Forbidden: may not be used when `type` is 'ClusterIP'")]
    [InlineData("""{"spec":{"type":"NodePort","clusterIP":"None","ports":[{"port":80}]}}""", "spec.clusterIPs[0]", "FieldValueInvalid", "Invalid value: \"None\": may not be set to 'None' for NodePort services")]
    [InlineData("""{"spec":{"clusterIP":"10.96.0.300","ports":[{"port":80}]}}""", "spec.clusterIPs[0]", "FieldValueInvalid", "Invalid value: \"10.96.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
    [InlineData("""{"spec":{"clusterIP":"10.96.0.10","clusterIPs":["10.96.0.11"],"ports":[{"port":80}]}}""", "spec.clusterIPs", "FieldValueInvalid", "Invalid value: []string{\"10.96.0.11\"}: first value must match `clusterIP`")]
    [InlineData("""{"spec":{"type":"ExternalName"}}""", "spec.externalName", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"sessionAffinity":"Cookie","ports":[{"port":80}]}}""", "spec.sessionAffinity", "FieldValueNotSupported", "Unsupported value: \"Cookie\": supported values: \"ClientIP\", \"None\"")]
    [InlineData("""{"spec":{"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":100000}},"ports":[{"port":80}]}}""", "spec.sessionAffinityConfig.clientIP.timeoutSeconds", "FieldValueInvalid", "Invalid value: 100000: must be greater than 0 and less than 86400")]
    [InlineData("""{"spec":{"externalTrafficPolicy":"Local","ports":[{"port":80}]}}""", "spec.externalTrafficPolicy", "FieldValueInvalid", "Invalid value: \"Local\": may only be set for externally-accessible services")]
    [InlineData("""{"spec":{"selector":{"app":"web app"},"ports":[{"port":80}]}}""", "spec.selector", "FieldValueInvalid", "Invalid value: \"web app\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")]
    public void Service_rules(string json, string field, string reason, string message)
    {
        var (_, causes) = Pipeline.Create("Service", json);
        Pipeline.HasCause(causes, field, reason, message);
    }

    [Fact]
    public void Headless_services_need_no_ports()
    {
        var svc = Pipeline.Valid("Service", """{"spec":{"clusterIP":"None","selector":{"app":"db"}}}""");
        Assert.Equal("""["None"]""", Json.Walk(svc, "spec", "clusterIPs")!.ToJsonString());
        Assert.False(ServiceStrategy.NeedsClusterIP(svc));
    }

    [Fact]
    public void Cluster_ip_allocation_hook_and_update_rules()
    {
        var (svc, _) = Pipeline.Create("Service", """{"spec":{"type":"NodePort","ports":[{"name":"http","port":80},{"name":"https","port":443}]}}""");
        Assert.True(ServiceStrategy.NeedsClusterIP(svc));
        ServiceStrategy.AssignClusterIP(svc, "10.96.0.20");
        Assert.Equal([0, 1], ServiceStrategy.PortsNeedingNodePort(svc));
        ServiceStrategy.AssignNodePort(svc, 0, 30080);
        ServiceStrategy.AssignNodePort(svc, 1, 30443);
        Assert.Empty(Pipeline.Strategy("Service").Validate(svc));

        // kubectl replace of the original manifest: allocated values are kept.
        var replaced = Pipeline.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"test","namespace":"default"},"spec":{"type":"NodePort","ports":[{"name":"http","port":80},{"name":"https","port":443}]}}""");
        Assert.Empty(Pipeline.Update("Service", svc, replaced));
        Assert.Equal("10.96.0.20", Json.String(replaced, "spec", "clusterIP"));
        Assert.Equal(30443, Json.Long(Json.Array(replaced, "spec", "ports")![1], "nodePort"));

        var moved = Pipeline.Edit(svc, s => { s["spec"]!["clusterIP"] = "10.96.0.21"; s["spec"]!["clusterIPs"] = new JsonArray("10.96.0.21"); });
        Pipeline.HasCause(Pipeline.Update("Service", svc, moved), "spec.clusterIPs[0]", "FieldValueInvalid", "Invalid value: []string{\"10.96.0.21\"}: may not change once set");
    }

    [Theory]
    [InlineData("""{"spec":{"ports":[{"port":80},{"name":"s","port":443,"protocol":"UDP"}],"selector":{"b":"2","a":"1"}}}""", "ClusterIP", "10.96.0.5", "<none>", "80/TCP,443/UDP", "a=1,b=2")]
    [InlineData("""{"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30001}]}}""", "NodePort", "10.96.0.5", "<none>", "80:30001/TCP", "<none>")]
    [InlineData("""{"spec":{"type":"LoadBalancer","ports":[{"port":443,"nodePort":31443}]}}""", "LoadBalancer", "10.96.0.5", "<pending>", "443:31443/TCP", "<none>")]
    [InlineData("""{"spec":{"ports":[{"port":80}],"externalIPs":["192.0.2.1"]}}""", "ClusterIP", "10.96.0.5", "192.0.2.1", "80/TCP", "<none>")]
    [InlineData("""{"spec":{"type":"ExternalName","externalName":"db.example.com"}}""", "ExternalName", "<none>", "db.example.com", "<none>", "<none>")]
    public void Service_table(string json, string type, string clusterIp, string externalIp, string ports, string selector)
    {
        var (svc, _) = Pipeline.Create("Service", json);
        if (ServiceStrategy.NeedsClusterIP(svc))
        {
            ServiceStrategy.AssignClusterIP(svc, "10.96.0.5");
        }

        Assert.Equal(new object?[] { "test", type, clusterIp, externalIp, ports, "60m", selector }, Pipeline.Strategy("Service").Cells(svc, Pipeline.Now));
    }
}
