using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class CoreKindsTests
{
    [Fact]
    public void Namespace_create_update_and_status()
    {
        var ns = Pipeline.Valid("Namespace", """{"metadata":{"name":"sock-shop"},"spec":{"finalizers":["example.com/cleanup"]},"status":{"phase":"Terminating"}}""");
        Assert.Equal("""["example.com/cleanup","kubernetes"]""", Json.Walk(ns, "spec", "finalizers")!.ToJsonString());
        Assert.Equal("Active", Json.String(ns, "status", "phase"));
        Assert.Equal("sock-shop", Json.String(ns, "metadata", "labels", "kubernetes.io/metadata.name"));
        Assert.Equal(new object?[] { "sock-shop", "Active", "60m" }, Pipeline.Strategy("Namespace").Cells(ns, Pipeline.Now));

        var update = Pipeline.Edit(ns, n => { n["spec"]!["finalizers"] = new JsonArray(); n["metadata"]!["labels"]!["kubernetes.io/metadata.name"] = "x"; });
        Assert.Empty(Pipeline.Update("Namespace", ns, update));
        Assert.Equal(2, Json.Array(update, "spec", "finalizers")!.Count);
        Assert.Equal("sock-shop", Json.String(update, "metadata", "labels", "kubernetes.io/metadata.name"));

        var strategy = Pipeline.Strategy("Namespace");
        var terminating = Pipeline.Edit(ns, n => n["status"]!["phase"] = "Terminating");
        Pipeline.HasCause(strategy.ValidateStatusUpdate(terminating, ns), "status.Phase", "FieldValueInvalid", "Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty");
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"sock.shop"}}""", "metadata.name", "FieldValueInvalid", "Invalid value: \"sock.shop\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")]
    [InlineData("""{"metadata":{"name":"a"},"spec":{"finalizers":["cleanup"]}}""", "spec.finalizers[0]", "FieldValueInvalid", "Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully qualified")]
    public void Namespace_rules(string json, string field, string reason, string message) =>
        Pipeline.HasCause(Pipeline.Create("Namespace", json).Causes, field, reason, message);

    [Fact]
    public void Node_keeps_status_on_create_and_prints_roles_and_addresses()
    {
        var node = Pipeline.Valid("Node", """
            {"metadata":{"name":"berth-1","labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/worker":"","kubernetes.io/role":"vm-host"}},
             "spec":{"unschedulable":true},
             "status":{"capacity":{"cpu":"2","memory":"24Gi"},"conditions":[{"type":"Ready","status":"True"}],
               "addresses":[{"type":"Hostname","address":"berth-1"},{"type":"InternalIP","address":"10.0.0.2"}],
               "nodeInfo":{"kubeletVersion":"v1.32.0-berth","osImage":"Debian GNU/Linux 12 (bookworm)","kernelVersion":"6.18.0","containerRuntimeVersion":""}}}
            """);
        Assert.Equal("""{"cpu":"2","memory":"24Gi"}""", Json.Walk(node, "status", "allocatable")!.ToJsonString());
        Assert.Equal(new object?[] { "berth-1", "Ready,SchedulingDisabled", "control-plane,vm-host,worker", "60m", "v1.32.0-berth", "10.0.0.2", "<none>", "Debian GNU/Linux 12 (bookworm)", "6.18.0", "<unknown>" },
            Pipeline.Strategy("Node").Cells(node, Pipeline.Now));

        var bare = Pipeline.Valid("Node", """{"metadata":{"name":"n2"}}""");
        Assert.Equal("Unknown", Pipeline.Strategy("Node").Cells(bare, Pipeline.Now)[1]);
        Assert.Equal("<none>", Pipeline.Strategy("Node").Cells(bare, Pipeline.Now)[2]);
    }

    [Fact]
    public void Node_rules()
    {
        var (_, causes) = Pipeline.Create("Node", """{"metadata":{"name":"n"},"spec":{"taints":[{"key":"a","effect":"NoRun"},{"key":"b","value":"x","effect":"NoSchedule"},{"key":"b","value":"y","effect":"NoSchedule"}]}}""");
        Pipeline.HasCause(causes, "metadata.taints[0].effect", "FieldValueNotSupported", "Unsupported value: \"NoRun\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
        Assert.Contains(causes, c => c.Field == "metadata.taints[2]" && c.Reason == "FieldValueDuplicate" && c.Message.EndsWith("taints must be unique by key and effect pair", StringComparison.Ordinal));

        var old = Pipeline.Valid("Node", """{"metadata":{"name":"n"},"spec":{"podCIDRs":["10.244.0.0/24"],"providerID":"berth://n"}}""");
        var changed = Pipeline.Edit(old, n => { n["spec"]!["podCIDRs"] = new JsonArray("10.244.1.0/24"); n["spec"]!["providerID"] = "other"; });
        var updateCauses = Pipeline.Update("Node", old, changed);
        Pipeline.HasCause(updateCauses, "spec.podCIDRs", "FieldValueForbidden", "Forbidden: node updates may not change podCIDR except from \"\" to valid");
        Pipeline.HasCause(updateCauses, "spec.providerID", "FieldValueForbidden", "Forbidden: node updates may not change providerID except from \"\" to valid");
    }

    [Fact]
    public void ConfigMap_keys_size_and_immutability()
    {
        var (_, causes) = Pipeline.Create("ConfigMap", """{"data":{"bad key":"x","ok":"y"},"binaryData":{"ok":"eQ=="}}""");
        Pipeline.HasCause(causes, "data[bad key]", "FieldValueInvalid", "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
        Pipeline.HasCause(causes, "data[ok]", "FieldValueInvalid", "Invalid value: \"ok\": duplicate of key present in binaryData");

        var big = new JsonObject { ["data"] = new JsonObject { ["blob"] = new string('x', 1024 * 1024 + 1) } };
        Pipeline.HasCause(Pipeline.Create("ConfigMap", big).Causes, "", "FieldValueTooLong", "Too long: may not be more than 1048576 bytes");

        var frozen = Pipeline.Valid("ConfigMap", """{"immutable":true,"data":{"a":"1"}}""");
        var update = Pipeline.Update("ConfigMap", frozen, Pipeline.Edit(frozen, c => { c["data"]!["a"] = "2"; c["immutable"] = false; }));
        Pipeline.HasCause(update, "immutable", "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set");
        Pipeline.HasCause(update, "data", "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set");
        Assert.Equal(new object?[] { "test", 1L, "60m" }, Pipeline.Strategy("ConfigMap").Cells(frozen, Pipeline.Now));
    }

    [Fact]
    public void Secret_defaults_stringData_types_and_immutability()
    {
        var secret = Pipeline.Valid("Secret", """{"data":{"a":"MQ=="},"stringData":{"password":"s3cr3t"}}""");
        Assert.Equal("Opaque", Json.String(secret, "type"));
        Assert.Equal("czNjcjN0", Json.String(secret, "data", "password"));
        Assert.Null(secret["stringData"]);
        Assert.Equal(new object?[] { "test", "Opaque", 2L, "60m" }, Pipeline.Strategy("Secret").Cells(secret, Pipeline.Now));

        Pipeline.HasCause(Pipeline.Create("Secret", """{"type":"kubernetes.io/tls","data":{"tls.crt":"MQ=="}}""").Causes, "data[tls.key]", "FieldValueRequired", "Required value");
        Pipeline.HasCause(Pipeline.Create("Secret", """{"data":{"a":"not base64!"}}""").Causes, "data[a]", "FieldValueInvalid", "Invalid value: \"<secret contents redacted>\": illegal base64 data");
        Pipeline.HasCause(Pipeline.Update("Secret", secret, Pipeline.Edit(secret, s => s["type"] = "kubernetes.io/basic-auth")), "type", "FieldValueInvalid", "Invalid value: \"kubernetes.io/basic-auth\": field is immutable");
        Pipeline.Valid("Secret", """{"type":"helm.sh/release.v1","data":{"release":"MQ=="}}""");
    }

    [Theory]
    [InlineData("""{"metadata":{"namespace":"default"},"involvedObject":{"kind":"Pod","name":"p","namespace":"other"}}""", "involvedObject.namespace", "FieldValueInvalid", "Invalid value: \"other\": does not match event.namespace")]
    [InlineData("""{"metadata":{"namespace":"default"},"eventTime":"2026-11-30T11:00:00.000000Z","involvedObject":{"kind":"Pod","name":"p","namespace":"default"}}""", "reportingComponent", "FieldValueRequired", "Required value")]
    [InlineData("""{"metadata":{"namespace":"default"},"eventTime":"2026-11-30T11:00:00.000000Z","reportingComponent":"berth/scheduler","reportingInstance":"berth-1","reason":"Scheduled","involvedObject":{"kind":"Pod","name":"p","namespace":"default"}}""", "action", "FieldValueRequired", "Required value")]
    public void Event_rules(string json, string field, string reason, string message) =>
        Pipeline.HasCause(Pipeline.Create("Event", json).Causes, field, reason, message);

    [Fact]
    public void Event_table_uses_the_wide_layout()
    {
        var ev = Pipeline.Valid("Event", """
            {"metadata":{"name":"web.1827","namespace":"default"},"involvedObject":{"kind":"Pod","name":"web","namespace":"default","fieldPath":"spec.containers{web}"},
             "reason":"Pulled","message":"Successfully pulled image \"nginx\"\n","type":"Normal","source":{"component":"kubelet","host":"berth-1"},
             "firstTimestamp":"2026-11-30T11:50:00Z","lastTimestamp":"2026-11-30T11:58:00Z","count":3}
            """);
        Assert.Equal(new object?[] { "2m", "Normal", "Pulled", "pod/web", "spec.containers{web}", "kubelet, berth-1", "Successfully pulled image \"nginx\"", "10m", 3L, "web.1827" },
            Pipeline.Strategy("Event").Cells(ev, Pipeline.Now));
        Assert.Equal(["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"], Pipeline.Strategy("Event").Columns.Select(c => c.Name));
    }

    [Fact]
    public void Pvc_defaults_rules_and_resize()
    {
        var pvc = Pipeline.Valid("PersistentVolumeClaim", """{"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}""");
        Assert.Equal("Filesystem", Json.String(pvc, "spec", "volumeMode"));
        Assert.Equal("Pending", Json.String(pvc, "status", "phase"));
        var (_, causes) = Pipeline.Create("PersistentVolumeClaim", """{"spec":{"accessModes":["ReadWriteOncePod","ReadWriteOnce"]}}""");
        Pipeline.HasCause(causes, "spec.resources[storage]", "FieldValueRequired", "Required value");
        Pipeline.HasCause(causes, "spec.accessModes", "FieldValueForbidden", "Forbidden: may not use ReadWriteOncePod with other access modes");
        Pipeline.HasCause(Pipeline.Create("PersistentVolumeClaim", """{"spec":{"resources":{"requests":{"storage":"1Gi"}}}}""").Causes,
            "spec.accessModes", "FieldValueRequired", "Required value: at least 1 access mode is required");

        // Pending claims may not grow; bound ones may, and binding may set volumeName once.
        var grown = Pipeline.Edit(pvc, p => p["spec"]!["resources"]!["requests"]!["storage"] = "2Gi");
        Pipeline.HasCause(Pipeline.Update("PersistentVolumeClaim", pvc, grown), "spec", "FieldValueForbidden",
            "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims");
        Assert.Empty(Pipeline.Update("PersistentVolumeClaim", pvc, Pipeline.Edit(pvc, p => p["spec"]!["volumeName"] = "pv-1")));
        var bound = Pipeline.Edit(pvc, p => { p["spec"]!["volumeName"] = "pv-1"; p["status"] = JsonNode.Parse("""{"phase":"Bound","capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"]}"""); });
        Assert.Empty(Pipeline.Update("PersistentVolumeClaim", bound, Pipeline.Edit(bound, p => p["spec"]!["resources"]!["requests"]!["storage"] = "2Gi")));
        Pipeline.HasCause(Pipeline.Update("PersistentVolumeClaim", bound, Pipeline.Edit(bound, p => p["spec"]!["resources"]!["requests"]!["storage"] = "512Mi")),
            "spec.resources.requests.storage", "FieldValueForbidden", "Forbidden: field can not be less than status.capacity");
        Assert.Equal(new object?[] { "test", "Bound", "pv-1", "1Gi", "RWO", "", "<unset>", "60m", "Filesystem" }, Pipeline.Strategy("PersistentVolumeClaim").Cells(bound, Pipeline.Now));
    }

    [Fact]
    public void Pv_storageclass_and_runtimeclass()
    {
        var pv = Pipeline.Valid("PersistentVolume", """{"spec":{"capacity":{"storage":"5Gi"},"accessModes":["ReadWriteOnce","ReadOnlyMany"],"hostPath":{"path":"/srv/pv1"},"claimRef":{"namespace":"default","name":"data"},"storageClassName":"local"}}""");
        Assert.Equal(new object?[] { "test", "5Gi", "RWO,ROX", "Retain", "Pending", "default/data", "local", "<unset>", "", "60m", "Filesystem" }, Pipeline.Strategy("PersistentVolume").Cells(pv, Pipeline.Now));
        Pipeline.HasCause(Pipeline.Create("PersistentVolume", """{"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"]}}""").Causes, "spec", "FieldValueRequired", "Required value: must specify a volume type");

        var sc = Pipeline.Valid("StorageClass", """{"metadata":{"name":"local","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"berth.dev/local-path"}""");
        Assert.Equal(new object?[] { "local (default)", "berth.dev/local-path", "Delete", "Immediate", false, "60m" }, Pipeline.Strategy("StorageClass").Cells(sc, Pipeline.Now));
        Pipeline.HasCause(Pipeline.Update("StorageClass", sc, Pipeline.Edit(sc, s => s["provisioner"] = "other.dev/x")), "provisioner", "FieldValueForbidden", "Forbidden: updates to provisioner are forbidden.");
        Pipeline.HasCause(Pipeline.Create("StorageClass", """{"volumeBindingMode":"Later"}""").Causes, "volumeBindingMode", "FieldValueNotSupported", "Unsupported value: \"Later\": supported values: \"Immediate\", \"WaitForFirstConsumer\"");

        var rc = Pipeline.Valid("RuntimeClass", """{"metadata":{"name":"vm"},"handler":"qemu"}""");
        Assert.Equal(new object?[] { "vm", "qemu", "60m" }, Pipeline.Strategy("RuntimeClass").Cells(rc, Pipeline.Now));
        Pipeline.HasCause(Pipeline.Update("RuntimeClass", rc, Pipeline.Edit(rc, r => r["handler"] = "kvm")), "handler", "FieldValueInvalid", "Invalid value: \"kvm\": field is immutable");
        Assert.Contains(Pipeline.Create("RuntimeClass", """{"handler":"Q_EMU"}""").Causes, c => c.Field == "handler");
    }

    [Fact]
    public void Lease_networkpolicy_endpoints_slices_serviceaccounts_revisions()
    {
        var lease = Pipeline.Valid("Lease", """{"spec":{"holderIdentity":"berth-1","leaseDurationSeconds":40}}""");
        Assert.Equal(new object?[] { "test", "berth-1", "60m" }, Pipeline.Strategy("Lease").Cells(lease, Pipeline.Now));
        Pipeline.HasCause(Pipeline.Create("Lease", """{"spec":{"leaseDurationSeconds":0}}""").Causes, "spec.leaseDurationSeconds", "FieldValueInvalid", "Invalid value: 0: must be greater than 0");

        var policy = Pipeline.Valid("NetworkPolicy", """{"spec":{"podSelector":{"matchLabels":{"app":"db"}},"egress":[{"ports":[{"port":5432}]}]}}""");
        Assert.Equal("""["Ingress","Egress"]""", Json.Walk(policy, "spec", "policyTypes")!.ToJsonString());
        Assert.Equal("TCP", Json.String(Json.Walk(policy, "spec", "egress")!.AsArray()[0]!["ports"]![0], "protocol"));
        Assert.Equal(new object?[] { "test", "app=db", "60m" }, Pipeline.Strategy("NetworkPolicy").Cells(policy, Pipeline.Now));
        Assert.Equal("<none>", Pipeline.Strategy("NetworkPolicy").Cells(Pipeline.Valid("NetworkPolicy", """{"spec":{}}"""), Pipeline.Now)[1]);

        var ep = Pipeline.Valid("Endpoints", """{"subsets":[{"addresses":[{"ip":"10.1.0.1"},{"ip":"10.1.0.2"}],"ports":[{"name":"a","port":80},{"name":"b","port":81}]}]}""");
        Assert.Equal("10.1.0.1:80,10.1.0.2:80,10.1.0.1:81 + 1 more...", Pipeline.Strategy("Endpoints").Cells(ep, Pipeline.Now)[1]);
        Assert.Equal("<none>", Pipeline.Strategy("Endpoints").Cells(Pipeline.Valid("Endpoints", "{}"), Pipeline.Now)[1]);
        Pipeline.HasCause(Pipeline.Create("Endpoints", """{"subsets":[{"addresses":[{"ip":"nope"}],"ports":[{"port":80}]}]}""").Causes, "subsets[0].addresses[0].ip", "FieldValueInvalid", "Invalid value: \"nope\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");

        var slice = Pipeline.Valid("EndpointSlice", """{"addressType":"IPv4","endpoints":[{"addresses":["10.1.0.1"]},{"addresses":["10.1.0.2"]}],"ports":[{"port":80}]}""");
        Assert.Equal(new object?[] { "test", "IPv4", "80", "10.1.0.1,10.1.0.2", "60m" }, Pipeline.Strategy("EndpointSlice").Cells(slice, Pipeline.Now));
        Pipeline.HasCause(Pipeline.Update("EndpointSlice", slice, Pipeline.Edit(slice, s => s["addressType"] = "IPv6")), "addressType", "FieldValueInvalid", "Invalid value: \"IPv6\": field is immutable");

        var sa = Pipeline.Valid("ServiceAccount", """{"secrets":[{"name":"token"}]}""");
        Assert.Equal(new object?[] { "test", 1L, "60m" }, Pipeline.Strategy("ServiceAccount").Cells(sa, Pipeline.Now));

        var revision = Pipeline.Valid("ControllerRevision", """{"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"StatefulSet","name":"web","uid":"u1","controller":true}]},"data":{"spec":{}},"revision":2}""");
        Assert.Equal(new object?[] { "test", "statefulset.apps/web", 2L, "60m" }, Pipeline.Strategy("ControllerRevision").Cells(revision, Pipeline.Now));
        Pipeline.HasCause(Pipeline.Create("ControllerRevision", """{"revision":1}""").Causes, "data", "FieldValueRequired", "Required value: data is mandatory");
    }

    [Fact]
    public void KubeVirt_tables()
    {
        var vmi = Pipeline.Valid("VirtualMachineInstance",
            """{"spec":{"domain":{"devices":{},"memory":{"guest":"64Mi"}},"volumes":[{"name":"d","containerDisk":{"image":"x"}}]},"status":{"phase":"Running"}}""");
        Assert.Null(vmi["status"]);
        vmi["status"] = JsonNode.Parse("""{"phase":"Running","nodeName":"berth-1","interfaces":[{"ipAddress":"10.88.0.7"}],"conditions":[{"type":"Ready","status":"True"}]}""");
        Assert.Equal(new object?[] { "test", "60m", "Running", "10.88.0.7", "berth-1", "True", null, null }, Pipeline.Strategy("VirtualMachineInstance").Cells(vmi, Pipeline.Now));
        Assert.Equal(["Name", "Age", "Phase", "IP", "NodeName", "Ready", "Live-Migratable", "Paused"], Pipeline.Strategy("VirtualMachineInstance").Columns.Select(c => c.Name));

        var vm = Pipeline.Valid("VirtualMachine",
            """{"spec":{"runStrategy":"Halted","template":{"spec":{"domain":{"memory":{"guest":"64Mi"}},"volumes":[{"name":"d","containerDisk":{"image":"x"}}]}}}}""");
        vm["status"] = JsonNode.Parse("""{"printableStatus":"Stopped"}""");
        Assert.Equal(new object?[] { "test", "60m", "Stopped", null }, Pipeline.Strategy("VirtualMachine").Cells(vm, Pipeline.Now));
        Pipeline.HasCause(Pipeline.Create("VirtualMachine", """{"spec":{"running":true,"runStrategy":"Always","template":{}}}""").Causes,
            "spec.running", "FieldValueInvalid", "Invalid value: true: running and runStrategy are mutually exclusive");
        Pipeline.HasCause(Pipeline.Create("VirtualMachineInstance", """{"spec":{}}""").Causes, "spec.domain", "FieldValueRequired", "Required value");
    }
}
