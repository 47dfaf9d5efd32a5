using System.Text.Json.Nodes;
using Berth.Agent.Pods;
using Berth.Agent.Tests.Pods;
using Berth.Agent.Volumes;
using Berth.Runtime.Oci.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Berth.Agent.Tests.Volumes;

/// <summary>persistentVolumeClaim volumes as the pod's sandbox makes them, and the clean-up of provisioned directories.</summary>
[Trait("Tier", "Unit")]
public sealed class ClaimVolumeBuilderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bt-claims-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private const string PodJson = """
        {"metadata":{"name":"db-0","namespace":"default","uid":"u1"},
         "spec":{"containers":[{"name":"c","image":"bb","volumeMounts":[{"name":"data","mountPath":"/data"}]}],
                 "volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"data"READONLY}}]}}
        """;

    private static k8s.Models.V1Pod Pod(bool readOnly = false) => PodFixtures.Pod(PodJson.Replace("READONLY", readOnly ? ",\"readOnly\":true" : "", StringComparison.Ordinal));

    private Task<IReadOnlyDictionary<string, string>> BuildAsync(PodFixtures.Objects objects, bool readOnly = false) =>
        VolumeBuilder.BuildAsync(Pod(readOnly), Path.Combine(_root, "pods", "u1"), "10.0.0.2", "10.0.0.1", new NodeAllocatable(1, 0, 0), objects, TestContext.Current.CancellationToken,
            new ClaimNode("node-a", new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-a" }), TimeSpan.Zero);

    [Fact]
    public async Task AProvisionedLocalVolumeIsCreatedOnFirstUseAndRecorded()
    {
        var path = Path.Combine(_root, "volumes", "pvc-1");
        var objects = new PodFixtures.Objects();
        objects.Claims["default/data"] = ClaimObjects.TypedClaim(ClaimObjects.Claim("data"));
        objects.Volumes["pvc-1"] = ClaimObjects.TypedVolume(ClaimObjects.LocalVolume(path));

        var volumes = await BuildAsync(objects);

        Assert.Equal(path, volumes["data"]);
        Assert.True(Directory.Exists(path));
        Assert.Equal((UnixFileMode)0x1FF, File.GetUnixFileMode(path) & (UnixFileMode)0x1FF);
        Assert.Equal(path, File.ReadAllText(Path.Combine(_root, "pods", "u1", "claims", "data")));
    }

    [Fact]
    public async Task AMissingPathOfAVolumeBerthDidNotMakeIsAnError()
    {
        var objects = new PodFixtures.Objects();
        objects.Claims["default/data"] = ClaimObjects.TypedClaim(ClaimObjects.Claim("data"));
        objects.Volumes["pvc-1"] = ClaimObjects.TypedVolume(ClaimObjects.LocalVolume(Path.Combine(_root, "nowhere"), provisioned: false));
        var e = await Assert.ThrowsAsync<ContainerConfigException>(() => BuildAsync(objects));
        Assert.Contains("does not exist on this node", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "nowhere")));
    }

    [Theory]
    [InlineData("unbound", "volume \"data\": persistentvolumeclaim \"data\" is not bound yet")]
    [InlineData("other-node", "is a local volume of another node")]
    public async Task AClaimThatIsNotUsableHereFailsTheSandboxWithTheReason(string kind, string message)
    {
        var objects = new PodFixtures.Objects();
        objects.Claims["default/data"] = ClaimObjects.TypedClaim(kind == "unbound" ? ClaimObjects.Claim("data", volumeName: null, phase: "Pending") : ClaimObjects.Claim("data"));
        objects.Volumes["pvc-1"] = ClaimObjects.TypedVolume(ClaimObjects.LocalVolume(Path.Combine(_root, "v"), node: "node-b"));
        var e = await Assert.ThrowsAsync<ContainerConfigException>(() => BuildAsync(objects));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(false, true, true)]
    [InlineData(true, false, true)]
    public void AReadOnlyClaimIsReadOnlyInEveryMount(bool claimReadOnly, bool mountReadOnly, bool expected)
    {
        var json = PodJson.Replace("READONLY", claimReadOnly ? ",\"readOnly\":true" : "", StringComparison.Ordinal)
            .Replace("\"mountPath\":\"/data\"", "\"mountPath\":\"/data\",\"readOnly\":" + (mountReadOnly ? "true" : "false"), StringComparison.Ordinal);
        var pod = PodFixtures.Pod(json);
        var spec = ContainerSpecFactory.Build(pod, pod.Spec.Containers[0], ContainerKind.Regular, 0, PodFixtures.Image(entrypoint: ["x"]), [],
            PodFixtures.Sandbox(new Dictionary<string, string> { ["data"] = "/v/pvc-1" }), "/logs/0.log");
        var mount = Assert.Single(spec.Mounts, m => m.Destination == "/data");
        Assert.Equal(expected, mount.ReadOnly);
    }

    [Fact]
    public async Task TheCleanerRemovesOnlyDirectoriesWhoseVolumeIsGoneAndThatNoPodUses()
    {
        var volumes = Path.Combine(_root, "volumes");
        foreach (var name in new[] { "pvc-kept", "pvc-gone", "pvc-used", "other" })
        {
            Directory.CreateDirectory(Path.Combine(volumes, name));
        }

        var claims = Path.Combine(_root, "pods", "u9", VolumeBuilder.ClaimsDir);
        Directory.CreateDirectory(claims);
        File.WriteAllText(Path.Combine(claims, "data"), Path.Combine(volumes, "pvc-used"));
        var api = new FakeApi();
        api.Put("persistentvolumes", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "pvc-kept" } });
        var cleaner = new LocalVolumeCleaner(api, new AgentOptions { NodeName = "node-a", DataDir = _root }, new FakeTimeProvider(), NullLogger.Instance);

        var removed = await cleaner.CleanAsync(TestContext.Current.CancellationToken);

        Assert.Equal([Path.Combine(volumes, "pvc-gone")], removed);
        Assert.Equal(["other", "pvc-kept", "pvc-used"], Directory.EnumerateDirectories(volumes).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
