using Berth.Api.Patch;
using Xunit;
using static Berth.Api.Tests.Patch.JsonAssert;

namespace Berth.Api.Tests.Patch;

[Trait("Tier", "Unit")]
public sealed class JsonPatchTests
{
    private const string Doc = """
        {"metadata":{"name":"web","labels":{"app":"web","app.kubernetes.io/name":"web"}},
         "spec":{"replicas":2,"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}
        """;

    private static string Apply(string patch) => JsonPatch.Apply(Obj(Doc), Node(patch)).ToJsonString();

    [Theory]
    [InlineData("""[{"op":"add","path":"/spec/paused","value":true}]""", "/spec/paused", "true")]
    [InlineData("""[{"op":"add","path":"/spec/replicas","value":5}]""", "/spec/replicas", "5")]
    [InlineData("""[{"op":"add","path":"/spec/containers/1","value":{"name":"x"}}]""", "/spec/containers/1/name", "\"x\"")]
    [InlineData("""[{"op":"add","path":"/spec/containers/-","value":{"name":"x"}}]""", "/spec/containers/2/name", "\"x\"")]
    [InlineData("""[{"op":"add","path":"/spec/containers/-1","value":{"name":"x"}}]""", "/spec/containers/2/name", "\"x\"")]
    [InlineData("""[{"op":"add","path":"/metadata/labels/tier~1x","value":"y"}]""", "/metadata/labels/tier~1x", "\"y\"")]
    [InlineData("""[{"op":"replace","path":"/spec/replicas","value":3}]""", "/spec/replicas", "3")]
    [InlineData("""[{"op":"replace","path":"/spec/containers/0/image","value":"a:2"}]""", "/spec/containers/0/image", "\"a:2\"")]
    [InlineData("""[{"op":"replace","path":"/spec/containers/-1/image","value":"b:2"}]""", "/spec/containers/1/image", "\"b:2\"")]
    [InlineData("""[{"op":"replace","path":"/metadata/labels/new","value":"n"}]""", "/metadata/labels/new", "\"n\"")]
    [InlineData("""[{"op":"copy","from":"/spec/containers/0","path":"/spec/containers/-"}]""", "/spec/containers/2/name", "\"a\"")]
    [InlineData("""[{"op":"move","from":"/spec/containers/0","path":"/spec/containers/1"}]""", "/spec/containers/1/name", "\"a\"")]
    [InlineData("""[{"op":"move","from":"/metadata/labels/app","path":"/metadata/labels/role"}]""", "/metadata/labels/role", "\"web\"")]
    [InlineData("""[{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":9}]""", "/spec/replicas", "9")]
    [InlineData("""[{"op":"test","path":"/spec/containers/0","value":{"image":"a:1","name":"a"}}]""", "/spec/replicas", "2")]
    [InlineData("""[{"op":"test","path":"/spec/missing","value":null}]""", "/spec/replicas", "2")]
    [InlineData("""[{"op":"add","path":"/metadata/annotations","value":{}},{"op":"add","path":"/metadata/annotations/a~0b","value":"1"}]""", "/metadata/annotations/a~0b", "\"1\"")]
    public void OperationsApply(string patch, string pointer, string expected)
    {
        var result = JsonPatch.Apply(Obj(Doc), Node(patch));
        Assert.Equal(expected, At(result, pointer)?.ToJsonString());
    }

    [Fact]
    public void RemoveDeletesMembersAndItems()
    {
        var result = JsonPatch.Apply(Obj(Doc), Node("""[{"op":"remove","path":"/metadata/labels/app.kubernetes.io~1name"},{"op":"remove","path":"/spec/containers/0"}]"""));
        Equal("""{"app":"web"}""", result["metadata"]!["labels"]);
        Equal("""[{"name":"b","image":"b:1"}]""", result["spec"]!["containers"]);
    }

    [Fact]
    public void OriginalIsNotModified()
    {
        var original = Obj(Doc);
        JsonPatch.Apply(original, Node("""[{"op":"replace","path":"/spec/replicas","value":3}]"""));
        Assert.Equal(2, (int)original["spec"]!["replicas"]!);
    }

    [Fact]
    public void ReplaceAtRootTakesTheNewDocument()
    {
        var result = JsonPatch.Apply(Obj(Doc), Node("""[{"op":"replace","path":"","value":{"kind":"Other"}}]"""));
        Equal("""{"kind":"Other"}""", result);
    }

    [Fact]
    public void KubectlRolloutUndoPatchReplacesTemplateAndAnnotations()
    {
        // kubectl rollout undo sends a JSON patch replacing /spec/template and /metadata/annotations.
        var result = JsonPatch.Apply(Obj(Doc), Node("""
            [{"op":"replace","path":"/spec/template","value":{"spec":{"containers":[{"name":"a","image":"a:0"}]}}},
             {"op":"replace","path":"/metadata/annotations","value":{"deployment.kubernetes.io/revision":"1"}}]
            """));
        Equal("""{"deployment.kubernetes.io/revision":"1"}""", result["metadata"]!["annotations"]);
        Equal("""{"spec":{"containers":[{"name":"a","image":"a:0"}]}}""", result["spec"]!["template"]);
    }

    [Fact]
    public void FailedOperationAbortsTheWholePatch()
    {
        var original = Obj(Doc);
        var e = Assert.Throws<PatchException>(() => JsonPatch.Apply(original, Node(
            """[{"op":"replace","path":"/spec/replicas","value":3},{"op":"test","path":"/spec/replicas","value":2}]""")));
        Assert.Equal(422, e.Code);
        Assert.Equal("Invalid", e.Reason);
        Assert.Equal(PatchException.RejectedMessage, e.Message);
        Assert.Equal("testing value /spec/replicas failed: test failed", e.Detail);
        Assert.Equal(2, (int)original["spec"]!["replicas"]!);
    }

    [Theory]
    [InlineData("""[{"op":"remove","path":"/spec/nothing"}]""", "error in remove for path: '/spec/nothing': Unable to remove nonexistent key: nothing: missing value")]
    [InlineData("""[{"op":"remove","path":"/spec/containers/5"}]""", "error in remove for path: '/spec/containers/5': Unable to access invalid index: 5: invalid index referenced")]
    [InlineData("""[{"op":"add","path":"/nope/deeper","value":1}]""", "add operation does not apply: doc is missing path: \"/nope/deeper\": missing value")]
    [InlineData("""[{"op":"add","path":"/spec/containers/3","value":1}]""", "error in add for path: '/spec/containers/3': Unable to access invalid index: 3: invalid index referenced")]
    [InlineData("""[{"op":"add","path":"/spec/containers/x","value":1}]""", "error in add for path: '/spec/containers/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax")]
    [InlineData("""[{"op":"add","path":"","value":{}}]""", "add operation does not apply: doc is missing path: \"\": missing value")]
    [InlineData("""[{"op":"replace","path":"/spec/containers/2","value":1}]""", "replace operation does not apply: doc is missing key: /spec/containers/2: missing value")]
    [InlineData("""[{"op":"replace","path":"/x/y","value":1}]""", "replace operation does not apply: doc is missing path: /x/y: missing value")]
    [InlineData("""[{"op":"move","from":"/spec","path":"/spec/inner"}]""", "move operation does not apply: doc is missing destination path: /spec/inner: missing value")]
    [InlineData("""[{"op":"copy","from":"/spec/none","path":"/spec/x"}]""", "copy operation does not apply: doc is missing from key: /spec/none: missing value")]
    [InlineData("""[{"op":"test","path":"/spec/replicas","value":"2"}]""", "testing value /spec/replicas failed: test failed")]
    [InlineData("""[{"op":"test","path":"/spec/missing","value":1}]""", "testing value /spec/missing failed: test failed")]
    [InlineData("""[{"op":"explode","path":"/spec"}]""", "Unexpected kind: explode")]
    [InlineData("""[{"path":"/spec"}]""", "Unexpected kind: unknown")]
    [InlineData("""[{"op":"add","value":1}]""", "add operation failed to decode path: operation, missing path field: missing value")]
    public void OperationsThatDoNotApplyAre422WithTheLibraryText(string patch, string detail)
    {
        var e = Assert.Throws<PatchException>(() => Apply(patch));
        Assert.Equal(422, e.Code);
        Assert.Equal(detail, e.Detail);
    }

    [Theory]
    [InlineData("""{"op":"add"}""", "json: cannot unmarshal object into Go value of type jsonpatch.Patch")]
    [InlineData("""["add"]""", "json: cannot unmarshal string into Go value of type jsonpatch.Operation")]
    [InlineData("42", "json: cannot unmarshal number into Go value of type jsonpatch.Patch")]
    public void UndecodablePatchesAre400(string patch, string message)
    {
        var e = Assert.Throws<PatchException>(() => Apply(patch));
        Assert.Equal(400, e.Code);
        Assert.Equal("BadRequest", e.Reason);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void NullAndEmptyPatchesChangeNothing()
    {
        Equal(Doc, JsonPatch.Apply(Obj(Doc), null));
        Equal(Doc, JsonPatch.Apply(Obj(Doc), Node("[]")));
    }

    [Fact]
    public void MoreThanTenThousandOperationsAre413()
    {
        var ops = string.Join(",", Enumerable.Repeat("""{"op":"test","path":"/spec/replicas","value":2}""", JsonPatch.MaxOperations + 1));
        var e = Assert.Throws<PatchException>(() => Apply($"[{ops}]"));
        Assert.Equal(413, e.Code);
        Assert.Equal("Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001", e.Message);
    }

    [Fact]
    public void TestComparesNumbersByValueAndObjectsRegardlessOfMemberOrder()
    {
        Apply("""[{"op":"test","path":"/spec/replicas","value":2.0},{"op":"test","path":"/metadata/labels","value":{"app.kubernetes.io/name":"web","app":"web"}}]""");
        Assert.Throws<PatchException>(() => Apply("""[{"op":"test","path":"/metadata/labels","value":{"app":"web"}}]"""));
    }

    private static System.Text.Json.Nodes.JsonNode? At(System.Text.Json.Nodes.JsonNode root, string pointer)
    {
        var node = root;
        foreach (var token in JsonPointer.Parse(pointer))
        {
            node = node is System.Text.Json.Nodes.JsonArray a ? a[int.Parse(token, System.Globalization.CultureInfo.InvariantCulture)] : node?[token];
        }

        return node;
    }
}
