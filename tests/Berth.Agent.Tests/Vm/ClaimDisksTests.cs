using Berth.Agent.Pods;
using Berth.Agent.Tests.Pods;
using Berth.Agent.Vm;
using Berth.Api.KubeVirt;
using k8s;
using k8s.Models;
using Xunit;

namespace Berth.Agent.Tests.Vm;

/// <summary>A VM's persistentVolumeClaim disks found through claim → bound local PersistentVolume → its directory.</summary>
[Trait("Tier", "Unit")]
public sealed class ClaimDisksTests
{
    private static V1Pod Pod()
    {
        var contract = new VmPodSpec
        {
            Vcpus = 1,
            MemoryMiB = 128,
            Boot = new VmPodBoot { Kind = VmPodBoot.DiskKind, Disk = "containerdisk" },
            Disks = [new VmPodDisk { Name = "containerdisk", Source = VmPodDisk.ContainerDiskSource }, new VmPodDisk { Name = "data", Source = VmPodDisk.PersistentVolumeClaimSource, Volume = "data" }],
        };
        var pod = PodFixtures.Pod("""
            {"metadata": {"name": "virt-launcher-web-x", "namespace": "ns", "uid": "u1"},
             "spec": {"runtimeClassName": "vm", "containers": [{"name": "compute", "image": "cd:1"}],
                      "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}}]}}
            """);
        pod.Metadata.Annotations = new Dictionary<string, string> { [KubeVirtNames.SpecAnnotation] = contract.ToJson() };
        return pod;
    }

    private static V1PersistentVolumeClaim Claim(bool bound)
    {
        var claim = KubernetesJson.Deserialize<V1PersistentVolumeClaim>("""
            {"metadata": {"name": "web-data", "namespace": "ns"},
             "spec": {"storageClassName": "local", "resources": {"requests": {"storage": "64Mi"}}},
             "status": {"phase": "Pending"}}
            """);
        if (bound)
        {
            claim.Spec.VolumeName = "pvc-c1";
            claim.Status.Phase = "Bound";
        }

        return claim;
    }

    [Fact]
    public async Task A_bound_claim_gives_the_local_volume_directory_and_its_capacity()
    {
        var objects = new PodFixtures.Objects();
        objects.Claims["ns/web-data"] = Claim(bound: true);
        objects.Volumes["pvc-c1"] = KubernetesJson.Deserialize<V1PersistentVolume>("""
            {"metadata": {"name": "pvc-c1"}, "spec": {"capacity": {"storage": "128Mi"}, "local": {"path": "/data/volumes/pvc-c1"}}}
            """);
        var disks = await ClaimDisks.ResolveAsync(Pod(), objects, null, TimeProvider.System, TestContext.Current.CancellationToken, TimeSpan.Zero);
        Assert.Equal(new ClaimDisk("web-data", "/data/volumes/pvc-c1", 128L << 20), disks["data"]);
        Assert.Equal("/data/volumes/pvc-c1/disk.img", disks["data"].ImagePath);
    }

    [Fact]
    public async Task A_local_volume_of_another_node_is_refused_for_a_disk_too()
    {
        var objects = new PodFixtures.Objects();
        objects.Claims["ns/web-data"] = Claim(bound: true);
        objects.Volumes["pvc-c1"] = KubernetesJson.Deserialize<V1PersistentVolume>("""
            {"metadata": {"name": "pvc-c1"}, "spec": {"capacity": {"storage": "128Mi"}, "local": {"path": "/data/volumes/pvc-c1"},
             "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-b"]}]}]}}}}
            """);
        var here = new Berth.Agent.Volumes.ClaimNode("node-a", new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-a" });
        var e = await Assert.ThrowsAsync<ContainerConfigException>(() => ClaimDisks.ResolveAsync(Pod(), objects, here, TimeProvider.System, TestContext.Current.CancellationToken, TimeSpan.Zero));
        Assert.Contains("is a local volume of another node", e.Message, StringComparison.Ordinal);

        var there = new Berth.Agent.Volumes.ClaimNode("node-b", new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-b" });
        Assert.Equal("/data/volumes/pvc-c1", (await ClaimDisks.ResolveAsync(Pod(), objects, there, TimeProvider.System, TestContext.Current.CancellationToken, TimeSpan.Zero))["data"].Directory);
    }

    [Fact]
    public async Task A_missing_or_unbound_claim_is_a_config_error()
    {
        var objects = new PodFixtures.Objects();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal("persistentvolumeclaim \"web-data\" not found",
            (await Assert.ThrowsAsync<ContainerConfigException>(() => ClaimDisks.ResolveAsync(Pod(), objects, null, TimeProvider.System, ct, TimeSpan.Zero))).Message);
        objects.Claims["ns/web-data"] = Claim(bound: false);
        Assert.Equal("persistentvolumeclaim \"web-data\" is not bound yet",
            (await Assert.ThrowsAsync<ContainerConfigException>(() => ClaimDisks.ResolveAsync(Pod(), objects, null, TimeProvider.System, ct, TimeSpan.Zero))).Message);
    }

    [Fact]
    public async Task A_pod_without_claim_disks_needs_nothing()
    {
        var pod = PodFixtures.Pod("""{"metadata": {"name": "vm", "namespace": "ns", "uid": "u"}, "spec": {"containers": [{"name": "vm", "image": "kb:1"}]}}""");
        Assert.Empty(await ClaimDisks.ResolveAsync(pod, new PodFixtures.Objects(), null, TimeProvider.System, TestContext.Current.CancellationToken));
    }
}
