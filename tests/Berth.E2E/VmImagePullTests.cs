using System.Text.Json.Nodes;
using Berth.Testing;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// The shared KubeVirt fixtures (tests/fixtures/kubevirt) as they are, on a `berth up` whose registries.json sends
/// every pull off this machine to 127.0.0.1:1: each VMI's pod is bound and tried by the node agent, the compute
/// container waits with ErrImagePull then ImagePullBackOff and the registry's dial error, and the VMIs and the
/// started VM say exactly that (Synchronized False; printableStatus). No guest boots.
/// </summary>
[Trait("Tier", "E2E")]
public sealed class VmImagePullTests(VmCluster fx) : IClassFixture<VmCluster>
{
    [Fact]
    public async Task Fixture_VMIs_report_that_their_images_cannot_be_pulled()
    {
        const string ns = "bt-vm-pull";
        await fx.Kubectl.OkAsync($"create namespace {ns}");
        foreach (var f in Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "kubevirt"), "*.yaml").Order())
        {
            await fx.Kubectl.OkAsync($"apply -n {ns} -f {f}");
        }

        var start = await VmApiTests.BerthAsync($"vm start vm-cirros -n {ns} --data-dir {fx.Berth.DataDir}");
        Assert.Equal(0, start.ExitCode);

        // 3 VMIs, 3 of the replica set, vm-cirros's: every pod on the node, its compute container unable to pull.
        JsonArray pods = [];
        await VmCluster.WaitAsync(async () =>
        {
            pods = JsonNode.Parse(await fx.Kubectl.OkAsync($"get pods -n {ns} -o json"))!["items"]!.AsArray();
            return pods.Count == 7 && pods.All(p => Waiting(p)?["reason"]?.GetValue<string>() is "ErrImagePull" or "ImagePullBackOff");
        }, "7 virt-launcher pods waiting on their images", TimeSpan.FromSeconds(60));
        foreach (var pod in pods)
        {
            var image = pod!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
            Assert.StartsWith("registry:5000/kubevirt/", image);
            var message = Waiting(pod)!["message"]!.GetValue<string>();
            Assert.Contains("127.0.0.1:1", message, StringComparison.Ordinal);
            Assert.Contains("connection refused", message, StringComparison.Ordinal);
            Assert.Equal("vm", pod["spec"]!["runtimeClassName"]!.GetValue<string>());
            Assert.Equal(fx.Berth.NodeName, pod["spec"]!["nodeName"]!.GetValue<string>());
        }

        // ErrImagePull first, then ImagePullBackOff naming the image and carrying the same error (the kubelet's words).
        var backOff = await fx.WaitJsonPathAsync($"pod -n {ns} -l kubevirt.io/domain=vmi-nocloud", ".items[0].status.containerStatuses[0].state.waiting.message",
            m => m.StartsWith("Back-off pulling image", StringComparison.Ordinal), "ImagePullBackOff on vmi-nocloud's pod", TimeSpan.FromSeconds(30));
        Assert.StartsWith("Back-off pulling image \"registry:5000/kubevirt/cirros-container-disk-demo:devel\": ErrImagePull: ", backOff);
        var events = await fx.Kubectl.OkAsync($"get events -n {ns}");
        Assert.Contains("Failed to pull image \"registry:5000/kubevirt/", events, StringComparison.Ordinal);

        // The VMIs say the same (KubeVirt's Synchronized condition), and the started VM shows it as its status.
        foreach (var vmi in new[] { "vmi-nocloud", "vmi-kernel-boot", "vmi-masquerade", "vm-cirros" })
        {
            JsonNode? sync = null;
            await VmCluster.WaitAsync(async () =>
            {
                var status = JsonNode.Parse(await fx.Kubectl.OkAsync($"get vmi {vmi} -n {ns} -o json"))!["status"];
                sync = (status?["conditions"] as JsonArray ?? []).FirstOrDefault(c => (string?)c?["type"] == "Synchronized");
                return (string?)sync?["reason"] is "ErrImagePull" or "ImagePullBackOff" && (string?)status?["phase"] == "Scheduled";
            }, $"{vmi} Scheduled and Synchronized False with the pull error", TimeSpan.FromSeconds(30));
            Assert.Equal("False", (string?)sync!["status"]);
            Assert.Contains("127.0.0.1:1", (string?)sync["message"], StringComparison.Ordinal);
        }

        await fx.WaitJsonPathAsync($"vm vm-cirros -n {ns}", ".status.printableStatus", s => s is "ErrImagePull" or "ImagePullBackOff", "vm-cirros showing the pull error", TimeSpan.FromSeconds(30));
        Assert.Matches(@"vm-cirros\s+\S+\s+(ErrImagePull|ImagePullBackOff)\s+False", await fx.Kubectl.OkAsync($"get vm -n {ns}"));
        Assert.Empty(fx.QemuPids());

        await fx.Kubectl.OkAsync($"delete namespace {ns} --wait=true --timeout=120s");
    }

    private static JsonNode? Waiting(JsonNode? pod) => pod?["status"]?["containerStatuses"]?[0]?["state"]?["waiting"];
}
