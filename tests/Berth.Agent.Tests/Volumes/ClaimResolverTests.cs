using System.Text.Json.Nodes;
using Berth.Agent.Tests.Pods;
using Berth.Agent.Volumes;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Berth.Agent.Tests.Volumes;

[Trait("Tier", "Unit")]
public sealed class ClaimResolverTests
{
    private static readonly Dictionary<string, string> NodeA = new() { ["kubernetes.io/hostname"] = "node-a" };

    private static ClaimVolume Resolve(JsonObject? claim, JsonObject? volume, bool readOnly = false) =>
        ClaimResolver.Resolve("default", "data", readOnly, claim is null ? null : ClaimObjects.TypedClaim(claim), volume is null ? null : ClaimObjects.TypedVolume(volume), new ClaimNode("node-a", NodeA));

    [Fact]
    public void ABoundLocalClaimResolvesToItsPath()
    {
        var v = Resolve(ClaimObjects.Claim("data"), ClaimObjects.LocalVolume("/var/lib/berth/volumes/pvc-1"), readOnly: true);
        Assert.Equal(new ClaimVolume("data", "pvc-1", "/var/lib/berth/volumes/pvc-1", true, true, null, null), v);
    }

    [Fact]
    public void AHostPathVolumeCarriesItsType()
    {
        var pv = ClaimObjects.LocalVolume("/x", provisioned: false);
        pv["spec"]!.AsObject().Remove("local");
        pv["spec"]!.AsObject().Remove("nodeAffinity");
        pv["spec"]!["hostPath"] = new JsonObject { ["path"] = "/srv/data", ["type"] = "DirectoryOrCreate" };
        var v = Resolve(ClaimObjects.Claim("data"), pv);
        Assert.Equal("/srv/data", v.Path);
        Assert.Equal("DirectoryOrCreate", v.HostPathType);
        Assert.False(v.Provisioned);
    }

    public static TheoryData<string, ClaimProblem, string> Problems() => new()
    {
        { "missing", ClaimProblem.NotFound, "persistentvolumeclaim \"data\" not found" },
        { "unbound", ClaimProblem.Waiting, "persistentvolumeclaim \"data\" is not bound yet" },
        { "bound-name-only", ClaimProblem.Waiting, "persistentvolumeclaim \"data\" is not bound yet" },
        { "pv-missing", ClaimProblem.Waiting, "persistentvolume \"pvc-1\" of claim \"data\" not found" },
        { "lost", ClaimProblem.Lost, "lost its volume" },
        { "deleting", ClaimProblem.Lost, "is being deleted" },
        { "other-claim", ClaimProblem.Lost, "is bound to claim default/other" },
        { "other-uid", ClaimProblem.Lost, "is bound to claim default/data" },
        { "other-node", ClaimProblem.OtherNode, "is a local volume of another node: its node affinity does not admit node \"node-a\"" },
        { "block", ClaimProblem.Unsupported, "block volumes are not supported" },
        { "nfs", ClaimProblem.Unsupported, "is neither local nor hostPath" },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void ClaimsThatCannotBeMountedSaySo(string kind, ClaimProblem problem, string message)
    {
        JsonObject? claim = ClaimObjects.Claim("data");
        JsonObject? pv = ClaimObjects.LocalVolume("/p");
        switch (kind)
        {
            case "missing": claim = null; break;
            case "unbound": claim = ClaimObjects.Claim("data", volumeName: null, phase: "Pending"); break;
            case "bound-name-only": claim = ClaimObjects.Claim("data", phase: "Pending"); break;
            case "pv-missing": pv = null; break;
            case "lost": claim = ClaimObjects.Claim("data", phase: "Lost"); break;
            case "deleting": claim["metadata"]!["deletionTimestamp"] = "2026-11-26T00:00:00Z"; break;
            case "other-claim": pv = ClaimObjects.LocalVolume("/p", claim: "other"); break;
            case "other-uid": pv = ClaimObjects.LocalVolume("/p", uid: "uid-2"); break;
            case "other-node": pv = ClaimObjects.LocalVolume("/p", node: "node-b"); break;
            case "block": pv["spec"]!["volumeMode"] = "Block"; break;
            case "nfs":
                pv["spec"]!.AsObject().Remove("local");
                pv["spec"]!["nfs"] = new JsonObject { ["server"] = "x", ["path"] = "/" };
                break;
        }

        var e = Assert.Throws<ClaimUnavailableException>(() => Resolve(claim, pv));
        Assert.Equal(problem, e.Problem);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("""{"matchExpressions":[{"key":"kubernetes.io/hostname","operator":"In","values":["node-a"]}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"kubernetes.io/hostname","operator":"NotIn","values":["node-a"]}]}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"zone","operator":"Exists"}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"zone","operator":"DoesNotExist"}]}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"rank","operator":"Gt","values":["2"]}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"rank","operator":"Lt","values":["2"]}]}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"rank","operator":"Gt","values":["x"]}]}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"zone","operator":"Near","values":["a"]}]}""", false)]
    [InlineData("""{"matchFields":[{"key":"metadata.name","operator":"In","values":["node-a"]}]}""", true)]
    [InlineData("""{"matchFields":[{"key":"metadata.name","operator":"In","values":["node-b"]}]}""", false)]
    [InlineData("""{"matchFields":[{"key":"metadata.uid","operator":"In","values":["node-a"]}]}""", false)]
    [InlineData("""{}""", false)]
    public void NodeAffinityFollowsTheNodeSelectorRules(string? term, bool admitted)
    {
        var pv = ClaimObjects.TypedVolume(new JsonObject { ["spec"] = term is null ? new JsonObject() : new JsonObject { ["nodeAffinity"] = ClaimObjects.Affinity(term) } });
        var labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-a", ["zone"] = "z1", ["rank"] = "3" };
        Assert.Equal(admitted, VolumeNodeAffinity.Admits(pv, "node-a", labels));
    }

    [Fact]
    public void TermsAreOredExpressionsAnded()
    {
        var pv = ClaimObjects.TypedVolume(new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["nodeAffinity"] = ClaimObjects.Affinity(
                    """{"matchExpressions":[{"key":"zone","operator":"In","values":["z1"]},{"key":"rank","operator":"Lt","values":["1"]}]}""",
                    """{"matchFields":[{"key":"metadata.name","operator":"In","values":["node-a"]}]}"""),
            },
        });
        Assert.True(VolumeNodeAffinity.Admits(pv, "node-a", new Dictionary<string, string> { ["zone"] = "z1", ["rank"] = "3" }));
        Assert.False(VolumeNodeAffinity.Admits(pv, "node-b", new Dictionary<string, string> { ["zone"] = "z1", ["rank"] = "3" }));
    }

    [Fact]
    public async Task ResolveAsyncWaitsForTheBindingThenReportsIt()
    {
        var objects = new PodFixtures.Objects();
        objects.Claims["default/data"] = ClaimObjects.TypedClaim(ClaimObjects.Claim("data", volumeName: null, phase: "Pending"));
        objects.Volumes["pvc-1"] = ClaimObjects.TypedVolume(ClaimObjects.LocalVolume("/p"));
        var time = new FakeTimeProvider();
        var ct = TestContext.Current.CancellationToken;
        var node = new ClaimNode("node-a", NodeA);

        var pending = ClaimResolver.ResolveAsync(objects, "default", "data", false, node, time, ct, TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.False(pending.IsCompleted);
        objects.Claims["default/data"] = ClaimObjects.TypedClaim(ClaimObjects.Claim("data"));
        for (var i = 0; i < 50 && !pending.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Delay(1, ct);
        }

        Assert.Equal("/p", (await pending).Path);

        objects.Claims["default/data"] = ClaimObjects.TypedClaim(ClaimObjects.Claim("data", volumeName: null, phase: "Pending"));
        var e = await Assert.ThrowsAsync<ClaimUnavailableException>(() => ClaimResolver.ResolveAsync(objects, "default", "data", false, node, time, ct, TimeSpan.Zero));
        Assert.Equal(ClaimProblem.Waiting, e.Problem);
        var missing = await Assert.ThrowsAsync<ClaimUnavailableException>(() => ClaimResolver.ResolveAsync(objects, "default", "nope", false, node, time, ct, TimeSpan.FromSeconds(5)));
        Assert.Equal(ClaimProblem.NotFound, missing.Problem);
    }
}
