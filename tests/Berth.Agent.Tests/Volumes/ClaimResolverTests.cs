using System.Text.Json.Nodes;
using Berth.Agent.Volumes;
using Xunit;

namespace Berth.Agent.Tests.Volumes;

[Trait("Tier", "Unit")]
public sealed class ClaimResolverTests
{
    private static readonly Dictionary<string, string> NodeA = new() { ["kubernetes.io/hostname"] = "node-a" };

    private static ClaimVolume Resolve(JsonObject? claim, JsonObject? volume, bool readOnly = false) =>
        ClaimResolver.Resolve("default", "data", readOnly, claim, volume, "node-a", NodeA);

    [Fact]
    public void ABoundLocalClaimResolvesToItsPath()
    {
        var v = Resolve(ClaimObjects.Claim("data"), ClaimObjects.LocalVolume("/var/lib/berth/volumes/pvc-1"), readOnly: true);
        Assert.Equal(new ClaimVolume("data", "pvc-1", "/var/lib/berth/volumes/pvc-1", true, true, null), v);
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
        { "unbound", ClaimProblem.Waiting, "is not bound yet (phase Pending)" },
        { "bound-name-only", ClaimProblem.Waiting, "is not bound yet (phase Pending)" },
        { "pv-missing", ClaimProblem.Waiting, "persistentvolume \"pvc-1\" of persistentvolumeclaim \"data\" not found" },
        { "lost", ClaimProblem.Lost, "lost its volume" },
        { "deleting", ClaimProblem.Lost, "is being deleted" },
        { "other-claim", ClaimProblem.Lost, "is bound to claim default/other" },
        { "other-uid", ClaimProblem.Lost, "is bound to claim default/data" },
        { "other-node", ClaimProblem.OtherNode, "is a local volume of another node: its node affinity does not admit node \"node-a\"" },
        { "block", ClaimProblem.Unsupported, "block volumes are not supported" },
        { "nfs", ClaimProblem.Unsupported, "only local and hostPath persistent volumes" },
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
        var pv = new JsonObject { ["spec"] = term is null ? new JsonObject() : new JsonObject { ["nodeAffinity"] = ClaimObjects.Affinity(term) } };
        var labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-a", ["zone"] = "z1", ["rank"] = "3" };
        Assert.Equal(admitted, VolumeNodeAffinity.Admits(pv, "node-a", labels));
    }

    [Fact]
    public void TermsAreOredExpressionsAnded()
    {
        var pv = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["nodeAffinity"] = ClaimObjects.Affinity(
                    """{"matchExpressions":[{"key":"zone","operator":"In","values":["z1"]},{"key":"rank","operator":"Lt","values":["1"]}]}""",
                    """{"matchFields":[{"key":"metadata.name","operator":"In","values":["node-a"]}]}"""),
            },
        };
        Assert.True(VolumeNodeAffinity.Admits(pv, "node-a", new Dictionary<string, string> { ["zone"] = "z1", ["rank"] = "3" }));
        Assert.False(VolumeNodeAffinity.Admits(pv, "node-b", new Dictionary<string, string> { ["zone"] = "z1", ["rank"] = "3" }));
    }

    [Fact]
    public async Task ResolveAsyncReadsClaimVolumeAndNodeLabels()
    {
        var api = new FakeApi();
        api.Put("persistentvolumeclaims", "default", ClaimObjects.Claim("data"));
        api.Put("persistentvolumes", null, ClaimObjects.LocalVolume("/p", node: "host-1"));
        api.Put("nodes", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "node-a", ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = "host-1" } } });
        var v = await new ClaimResolver(api, "node-a").ResolveAsync("default", "data", false, TestContext.Current.CancellationToken);
        Assert.Equal("/p", v.Path);

        var missing = await Assert.ThrowsAsync<ClaimUnavailableException>(() => new ClaimResolver(api, "node-a").ResolveAsync("default", "nope", false, TestContext.Current.CancellationToken));
        Assert.Equal(ClaimProblem.NotFound, missing.Problem);
    }
}
