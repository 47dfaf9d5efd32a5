using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.KubeVirt;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Controllers.Tests.KubeVirt;

/// <summary>VMIs become pods, and pods become VMI status, through the real API server and controllers.</summary>
[Trait("Tier", "Integration")]
public sealed class VmiControllerTests(KubeVirtCluster cluster) : IClassFixture<KubeVirtCluster>
{
    private static string Phase(JsonObject? vmi) => Json.String(vmi, "status", "phase") ?? "";

    private static JsonObject? Condition(JsonObject? obj, string type) =>
        Json.Array(obj, "status", "conditions")?.OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == type);

    [Fact]
    public async Task Every_shared_fixture_applies_as_YAML_and_its_VMIs_get_pods_with_their_images()
    {
        var ns = await cluster.NamespaceAsync("fixtures");
        foreach (var name in KubeVirtCluster.FixtureNames())
        {
            var yaml = await File.ReadAllTextAsync(Path.Combine(Berth.Testing.TestPaths.Fixtures, "kubevirt", name + ".yaml"));
            var kind = Json.String(KubeVirtCluster.Fixture(name), "kind")!;
            var plural = kind.ToLowerInvariant() + "s";
            using var content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
            using var response = await cluster.Http.PostAsync($"/apis/kubevirt.io/v1/namespaces/{ns}/{plural}", content);
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        foreach (var vmi in new[] { "vmi-kernel-boot", "vmi-masquerade", "vmi-nocloud" })
        {
            var pod = Assert.Single(await cluster.PodsOfAsync(ns, vmi));
            Assert.StartsWith("registry:5000/kubevirt/", Json.String(Json.Array(pod, "spec", "containers")![0], "image"), StringComparison.Ordinal);
            Assert.Equal("vm", Json.String(pod, "spec", "runtimeClassName"));
        }

        // The replica set keeps three VMIs, each with its pod; the Halted VM has none.
        var replicas = await Eventually.GetAsync(
            async () => (await cluster.Api.ListAsync(cluster.Vmis, ns, new ListOptions { LabelSelector = "kubevirt.io/vmReplicaSet=vmi-replicaset-cirros" }, default)).Items,
            l => l.Count == 3, "three VMIs of the replica set");
        Assert.All(replicas, r => Assert.StartsWith("vmi-replicaset-cirros", Json.String(r, "metadata", "name"), StringComparison.Ordinal));
        var set = await Eventually.GetAsync(() => cluster.Api.GetAsync(cluster.VmiReplicaSets, ns, "vmi-replicaset-cirros", default),
            s => Json.Long(s, "status", "replicas") == 3, "replica set status");
        Assert.Equal(0, Json.Long(set, "status", "readyReplicas"));
        var vm = await cluster.VmAsync(ns, "vm-cirros", v => Json.String(v, "status", "printableStatus") == "Stopped", "vm-cirros Stopped");
        Assert.Null(await cluster.TryGetAsync(cluster.Vmis, ns, "vm-cirros"));
        Assert.Equal(false, Json.Bool(vm, "status", "ready"));
    }

    [Fact]
    public async Task An_unsupported_field_is_refused_with_a_422_that_names_it()
    {
        var ns = await cluster.NamespaceAsync("refused");
        var vmi = KubeVirtCluster.Fixture("vmi-nocloud");
        ((JsonObject)vmi["spec"]!["domain"]!["devices"]!["disks"]![0]!)["cdrom"] = new JsonObject { ["bus"] = "sata" };
        using var content = new StringContent(vmi.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await cluster.Http.PostAsync($"/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachineinstances", content);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(422, (int)response.StatusCode);
        Assert.Equal("Invalid", Json.String(status, "reason"));
        Assert.Equal("VirtualMachineInstance.kubevirt.io \"vmi-nocloud\" is invalid: spec.domain.devices.disks[0].cdrom: Forbidden: not supported by Berth: a disk must be `disk: {bus: virtio}`",
            Json.String(status, "message"));
        Assert.Equal("spec.domain.devices.disks[0].cdrom", Json.String(status["details"]!["causes"]![0], "field"));
    }

    [Fact]
    public async Task A_VMI_follows_its_pod_from_Scheduling_to_Running_with_the_pod_IP()
    {
        var ns = await cluster.NamespaceAsync("vmi");
        await cluster.CreateAsync(cluster.Vmis, ns, KubeVirtCluster.Fixture("vmi-masquerade"));
        var vmi = await cluster.VmiAsync(ns, "vmi-masquerade", v => Phase(v) == "Scheduling", "Scheduling");
        Assert.Contains(KubeVirtNames.VmiFinalizer, Json.Array(vmi, "metadata", "finalizers")!.Select(f => f!.GetValue<string>()));
        Assert.Equal("GuestNotRunning", Json.String(Condition(vmi, "Ready"), "reason"));
        var pod = Assert.Single(await cluster.PodsOfAsync(ns, "vmi-masquerade"));
        var podName = Json.String(pod, "metadata", "name")!;

        await cluster.BindAsync(pod);
        vmi = await cluster.VmiAsync(ns, "vmi-masquerade", v => Phase(v) == "Scheduled", "Scheduled");
        Assert.Equal(KubeVirtCluster.NodeName, Json.String(vmi, "status", "nodeName"));
        Assert.Equal("GuestNotRunning", Json.String(Condition(vmi, "Ready"), "reason"));

        await cluster.RunAsync(ns, podName, "10.88.0.7");
        vmi = await cluster.VmiAsync(ns, "vmi-masquerade", v => Phase(v) == "Running" && Json.String(v, "metadata", "labels", KubeVirtNames.NodeNameLabel) is not null, "Running");
        Assert.Equal("True", Json.String(Condition(vmi, "Ready"), "status"));
        var iface = Json.Array(vmi, "status", "interfaces")![0]!;
        Assert.Equal("testmasquerade", Json.String(iface, "name"));
        Assert.Equal("10.88.0.7", Json.String(iface, "ipAddress"));
        Assert.Equal("""["10.88.0.7"]""", iface["ipAddresses"]!.ToJsonString());
        Assert.Equal(KubeVirtCluster.NodeName, Json.String(vmi, "metadata", "labels", KubeVirtNames.NodeNameLabel));
        Assert.Equal(["Scheduling", "Scheduled", "Running"],
            Json.Array(vmi, "status", "phaseTransitionTimestamps")!.Select(t => Json.String(t, "phase")));

        // kubectl get vmi: Name, Age, Phase, IP, NodeName, Ready.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachineinstances/vmi-masquerade");
        request.Headers.Accept.ParseAdd("application/json;as=Table;v=v1;g=meta.k8s.io");
        using var response = await cluster.Http.SendAsync(request);
        var row = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal(["vmi-masquerade", "Running", "10.88.0.7", KubeVirtCluster.NodeName, "True"],
            new[] { 0, 2, 3, 4, 5 }.Select(i => row[i]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_image_the_node_cannot_pull_is_reported_on_the_VMI()
    {
        var ns = await cluster.NamespaceAsync("pull");
        await cluster.CreateAsync(cluster.Vmis, ns, KubeVirtCluster.Fixture("vmi-kernel-boot"));
        var pod = Assert.Single(await cluster.PodsOfAsync(ns, "vmi-kernel-boot"));
        await cluster.BindAsync(pod);
        const string error = "pulling registry:5000/kubevirt/alpine-ext-kernel-boot-demo:devel: dial tcp: lookup registry: no such host";
        await cluster.ImagePullErrorAsync(ns, Json.String(pod, "metadata", "name")!, "ErrImagePull", error);
        var vmi = await cluster.VmiAsync(ns, "vmi-kernel-boot", v => Json.String(Condition(v, "Synchronized"), "reason") == "ErrImagePull", "ErrImagePull");
        Assert.Equal("False", Json.String(Condition(vmi, "Synchronized"), "status"));
        Assert.Equal(error, Json.String(Condition(vmi, "Synchronized"), "message"));
        Assert.Equal("Scheduled", Phase(vmi));
    }

    [Fact]
    public async Task A_pod_that_ends_ends_its_VMI_and_a_vanished_pod_fails_it()
    {
        var ns = await cluster.NamespaceAsync("end");
        foreach (var (name, exit) in new[] { ("shutdown", 0), ("killed", 137), ("vanished", -1) })
        {
            var vmi = KubeVirtCluster.Fixture("vmi-nocloud");
            vmi["metadata"]!["name"] = name;
            await cluster.CreateAsync(cluster.Vmis, ns, vmi);
            var pod = Assert.Single(await cluster.PodsOfAsync(ns, name));
            var podName = Json.String(pod, "metadata", "name")!;
            await cluster.BindAsync(pod);
            await cluster.RunAsync(ns, podName, "10.88.0.9");
            await cluster.VmiAsync(ns, name, v => Phase(v) == "Running", $"{name} Running");
            if (exit >= 0)
            {
                await cluster.EndAsync(ns, podName, exit);
            }
            else
            {
                await cluster.Api.DeleteAsync(cluster.Pods, ns, podName, new DeleteOptions { GracePeriodSeconds = 0 }, default);
            }

            var expected = exit == 0 ? "Succeeded" : "Failed";
            var done = await cluster.VmiAsync(ns, name, v => Phase(v) == expected, $"{name} {expected}");
            Assert.Equal("False", Json.String(Condition(done, "Ready"), "status"));
        }
    }

    [Fact]
    public async Task Deleting_a_VMI_removes_its_pod_first_then_the_VMI()
    {
        var ns = await cluster.NamespaceAsync("delete");
        var vmi = KubeVirtCluster.Fixture("vmi-nocloud");
        vmi["spec"]!["terminationGracePeriodSeconds"] = 30;
        await cluster.CreateAsync(cluster.Vmis, ns, vmi);
        var pod = Assert.Single(await cluster.PodsOfAsync(ns, "vmi-nocloud"));
        await cluster.BindAsync(pod);
        await cluster.RunAsync(ns, Json.String(pod, "metadata", "name")!, "10.88.0.10");
        await cluster.VmiAsync(ns, "vmi-nocloud", v => Phase(v) == "Running", "Running");

        await cluster.Api.DeleteAsync(cluster.Vmis, ns, "vmi-nocloud", null, default);
        // The pod is stopping (a graceful deletion the agent finishes); the VMI waits for it.
        await Eventually.GetAsync(() => cluster.Api.GetAsync(cluster.Pods, ns, Json.String(pod, "metadata", "name")!, default),
            p => Json.String(p, "metadata", "deletionTimestamp") is not null, "pod terminating");
        Assert.NotNull(await cluster.TryGetAsync(cluster.Vmis, ns, "vmi-nocloud"));

        await cluster.FinishDeletionsAsync(ns);
        await cluster.VmiAsync(ns, "vmi-nocloud", v => v is null, "VMI gone");
        Assert.Empty((await cluster.Api.ListAsync(cluster.Pods, ns, ListOptions.None, default)).Items);
    }

    [Fact]
    public async Task A_pod_the_API_refuses_leaves_the_VMI_Pending_with_the_reason()
    {
        var ns = await cluster.NamespaceAsync("badpod");
        var vmi = KubeVirtCluster.Fixture("vmi-nocloud");
        // Valid for a VMI, refused for a pod: an httpGet probe needs a port.
        vmi["spec"]!["readinessProbe"] = JsonNode.Parse("""{"httpGet":{"path":"/"}}""");
        await cluster.CreateAsync(cluster.Vmis, ns, vmi);
        var failed = await cluster.VmiAsync(ns, "vmi-nocloud", v => Condition(v, "Synchronized") is not null, "Synchronized condition");
        Assert.Equal("Pending", Phase(failed));
        Assert.Equal("FailedCreate", Json.String(Condition(failed, "Synchronized"), "reason"));
        Assert.Contains("spec.containers[0].readinessProbe.httpGet.port", Json.String(Condition(failed, "Synchronized"), "message"), StringComparison.Ordinal);
        Assert.Empty((await cluster.Api.ListAsync(cluster.Pods, ns, ListOptions.None, default)).Items);
    }

    [Fact]
    public async Task A_VMI_replica_set_scales_and_replaces_VMIs_that_end()
    {
        var ns = await cluster.NamespaceAsync("vmirs");
        var set = KubeVirtCluster.Fixture("vmi-replicaset-cirros");
        set["spec"]!["replicas"] = 2;
        await cluster.CreateAsync(cluster.VmiReplicaSets, ns, set);
        async Task<List<JsonObject>> LiveAsync() => [.. (await cluster.Api.ListAsync(cluster.Vmis, ns, ListOptions.None, default)).Items
            .Where(v => Json.String(v, "metadata", "deletionTimestamp") is null)];
        var two = await Eventually.GetAsync(LiveAsync, l => l.Count == 2, "two VMIs");

        // One ends (its guest powered off): it is replaced.
        var ended = two[0];
        var pod = Assert.Single(await cluster.PodsOfAsync(ns, Json.String(ended, "metadata", "name")!));
        await cluster.BindAsync(pod);
        await cluster.EndAsync(ns, Json.String(pod, "metadata", "name")!, 0);
        await Eventually.GetAsync(LiveAsync, l => l.Count == 2 && l.All(v => Json.String(v, "metadata", "uid") != Json.String(ended, "metadata", "uid")),
            "the ended VMI replaced");

        var patch = JsonNode.Parse("""{"spec":{"replicas":1}}""")!;
        await cluster.Api.PatchAsync(cluster.VmiReplicaSets, ns, "vmi-replicaset-cirros", PatchType.Merge, patch, null, default);
        await Eventually.GetAsync(LiveAsync, l => l.Count == 1, "one VMI");
        await Eventually.GetAsync(() => cluster.Api.GetAsync(cluster.VmiReplicaSets, ns, "vmi-replicaset-cirros", default),
            s => Json.Long(s, "status", "replicas") == 1, "status.replicas 1");
    }
}
