using Berth.Api.Patch;
using Xunit;
using static Berth.Api.Tests.Patch.JsonAssert;

namespace Berth.Api.Tests.Patch;

[Trait("Tier", "Unit")]
public sealed class JsonMergePatchTests
{
    // The examples of RFC 7386 appendix A (target, patch, result), where Kubernetes' library agrees with the RFC.
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    public void Rfc7386Examples(string target, string patch, string result) =>
        Equal(result, JsonMergePatch.Apply(Obj(target), Node(patch)));

    [Fact]
    public void NullsArePrunedFromObjectsInsideArraysAsKubernetesDoes()
    {
        // evanphx/json-patch prunes nulls in objects nested in arrays; RFC 7386 would keep them.
        Equal("""{"a":[{"b":1},null]}""", JsonMergePatch.Apply(Obj("{}"), Node("""{"a":[{"b":1,"c":null},null]}""")));
    }

    [Fact]
    public void KubectlLabelAndAnnotatePatches()
    {
        var pod = Obj("""{"metadata":{"name":"p","labels":{"app":"web","tier":"fe"},"annotations":{"a":"1"}},"spec":{"containers":[{"name":"c"}]}}""");
        // kubectl label pod p env=prod tier-   /   kubectl annotate pod p a- b=2
        var labelled = JsonMergePatch.Apply(pod, Node("""{"metadata":{"labels":{"env":"prod","tier":null}}}"""));
        Equal("""{"app":"web","env":"prod"}""", labelled["metadata"]!["labels"]);
        var annotated = JsonMergePatch.Apply(labelled, Node("""{"metadata":{"annotations":{"a":null,"b":"2"}}}"""));
        Equal("""{"b":"2"}""", annotated["metadata"]!["annotations"]);
        Equal("""[{"name":"c"}]""", annotated["spec"]!["containers"]);
    }

    [Fact]
    public void KubectlScalePatch()
    {
        var scale = Obj("""{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web"},"spec":{"replicas":1},"status":{"replicas":1}}""");
        Equal("""{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web"},"spec":{"replicas":4},"status":{"replicas":1}}""",
            JsonMergePatch.Apply(scale, Node("""{"spec":{"replicas":4}}""")));
    }

    [Fact]
    public void ListsAreReplacedWhole()
    {
        var vm = Obj("""{"spec":{"template":{"spec":{"domain":{"devices":{"disks":[{"name":"a"},{"name":"b"}]}}}}}}""");
        var result = JsonMergePatch.Apply(vm, Node("""{"spec":{"template":{"spec":{"domain":{"devices":{"disks":[{"name":"c"}]}}}}}}"""));
        Equal("""[{"name":"c"}]""", result["spec"]!["template"]!["spec"]!["domain"]!["devices"]!["disks"]);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"x\"")]
    public void NonObjectPatchesAre400(string patch)
    {
        var e = Assert.Throws<PatchException>(() => JsonMergePatch.Apply(Obj("{}"), Node(patch)));
        Assert.Equal(400, e.Code);
        Assert.Equal("Invalid JSON Patch", e.Message);
    }

    [Fact]
    public void OriginalAndPatchAreNotModified()
    {
        var original = Obj("""{"a":{"b":1}}""");
        var patch = Node("""{"a":{"c":2},"d":null}""");
        JsonMergePatch.Apply(original, patch);
        Equal("""{"a":{"b":1}}""", original);
        Equal("""{"a":{"c":2},"d":null}""", patch);
    }
}
