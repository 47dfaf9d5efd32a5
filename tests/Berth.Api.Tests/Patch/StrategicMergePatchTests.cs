using Berth.Api.Patch;
using Xunit;
using static Berth.Api.Tests.Patch.JsonAssert;

namespace Berth.Api.Tests.Patch;

/// <summary>
/// The semantics of strategic merge patch on a small schema shaped like apimachinery's test type: a list of
/// objects merged by <c>name</c>, a merged list of integers, a list without strategy, a retainKeys object and
/// a retainKeys list, a plain map.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class StrategicMergePatchTests
{
    internal static readonly PatchSchema Inner = PatchSchema.Of(
        ("items", PatchField.MergeList("name")),
        ("numbers", PatchField.Set()));

    internal static readonly PatchSchema Schema = PatchSchema.Of(
        ("items", PatchField.MergeList("name", Inner)),
        ("numbers", PatchField.Set()),
        ("plainList", PatchField.Atomic()),
        ("retained", PatchField.Object(Inner, retainKeys: true)),
        ("retainedList", PatchField.MergeList("name", retainKeys: true)),
        ("wholesale", PatchField.Replace()));

    internal static string Apply(string original, string patch) =>
        StrategicMergePatch.Apply(Obj(original), Obj(patch), Schema).ToJsonString();

    [Theory]
    [InlineData("""{"a":1}""", """{"b":2}""", """{"a":1,"b":2}""")]
    [InlineData("""{"a":1,"b":2}""", """{"a":null}""", """{"b":2}""")]
    [InlineData("""{"a":1}""", """{"zz":null}""", """{"a":1}""")]
    [InlineData("""{"m":{"x":1,"y":2}}""", """{"m":{"y":null,"z":3}}""", """{"m":{"x":1,"z":3}}""")]
    [InlineData("""{"m":{"x":1}}""", """{"m":"scalar"}""", """{"m":"scalar"}""")]
    [InlineData("""{"m":"scalar"}""", """{"m":{"x":1,"n":null}}""", """{"m":{"x":1}}""")]
    [InlineData("""{"a":1}""", """{}""", """{"a":1}""")]
    [InlineData("""{"plainList":[1,2]}""", """{"plainList":[3]}""", """{"plainList":[3]}""")]
    [InlineData("""{"unknown":[{"name":"a","v":1}]}""", """{"unknown":[{"name":"a"}]}""", """{"unknown":[{"name":"a"}]}""")]
    [InlineData("""{"wholesale":{"x":1,"y":2}}""", """{"wholesale":{"z":3}}""", """{"wholesale":{"z":3}}""")]
    public void MapsMergeAndNullDeletes(string original, string patch, string expected) => Equal(expected, Node(Apply(original, patch)));

    [Fact]
    public void ValuesNewToTheObjectLoseTheirNullsAndDirectives()
    {
        Equal("""{"m":{"a":1,"inner":{}},"items":[{"name":"x"}]}""", Node(Apply("{}",
            """{"m":{"a":1,"b":null,"inner":{"c":null},"$retainKeys":["a"]},"items":[{"name":"x"},{"name":"y","$patch":"delete"}]}""")));
    }

    [Fact]
    public void MergeListMergesItemsByKeyAndAppendsNewOnes()
    {
        Equal("""{"items":[{"name":"b","value":"new"},{"name":"c"},{"name":"a","value":"1","other":"x"}]}""",
            Node(Apply("""{"items":[{"name":"a","value":"1"},{"name":"b","value":"2"}]}""",
                """{"items":[{"name":"b","value":"new"},{"name":"c"},{"name":"a","other":"x"}]}""")));
    }

    [Fact]
    public void MergeListKeepsLiveOnlyItemsAtTheirPlace()
    {
        // Live-only items stay before the patch items that follow them in the live list.
        Equal("""{"items":[{"name":"a"},{"name":"b","value":"2"},{"name":"c","value":"3"}]}""",
            Node(Apply("""{"items":[{"name":"a"},{"name":"b"},{"name":"c"}]}""",
                """{"items":[{"name":"b","value":"2"},{"name":"c","value":"3"}]}""")));
        // Patch order wins for the items it names: 2 is live-only and comes first, then the patch's 3 and 1.
        Equal("""{"items":[{"name":"2","value":"b"},{"name":"3","value":"c"},{"name":"1","value":"a"}]}""",
            Node(Apply("""{"items":[{"name":"1"},{"name":"2","value":"b"},{"name":"3"}]}""",
                """{"items":[{"name":"3","value":"c"},{"name":"1","value":"a"}]}""")));
    }

    [Fact]
    public void NestedMergeListsAndNullsInsideItems()
    {
        Equal("""{"items":[{"name":"a","items":[{"name":"x","v":"2"},{"name":"y"}],"keep":1}]}""",
            Node(Apply("""{"items":[{"name":"a","items":[{"name":"x","v":"1","w":"1"}],"keep":1,"drop":1}]}""",
                """{"items":[{"name":"a","drop":null,"items":[{"name":"x","v":"2","w":null},{"name":"y"}]}]}""")));
    }

    [Fact]
    public void DeleteDirectiveRemovesEveryMatchingItem()
    {
        Equal("""{"items":[{"name":"b"}]}""", Node(Apply(
            """{"items":[{"name":"a"},{"name":"a"},{"name":"b"},{"name":"c"}]}""",
            """{"items":[{"name":"a","$patch":"delete"},{"name":"c","$patch":"delete"},{"name":"zz","$patch":"delete"}]}""")));
    }

    [Fact]
    public void ReplaceDirectiveInAListReplacesIt()
    {
        Equal("""{"items":[{"name":"z"}]}""", Node(Apply("""{"items":[{"name":"a","v":1},{"name":"b"}]}""", """{"items":[{"name":"z"},{"$patch":"replace"}]}""")));
        Equal("""{"items":[]}""", Node(Apply("""{"items":[{"name":"a"}]}""", """{"items":[{"$patch":"replace"}]}""")));
    }

    [Fact]
    public void ReplaceAndDeleteDirectivesInAnObject()
    {
        Equal("""{"m":{"only":1},"k":1}""", Node(Apply("""{"m":{"x":1,"y":{"z":1}},"k":1}""", """{"m":{"$patch":"replace","only":1}}""")));
        Equal("""{"m":{},"k":1}""", Node(Apply("""{"m":{"x":1},"k":1}""", """{"m":{"$patch":"delete"}}""")));
        Equal("""{"other":"a"}""", Node(Apply("""{"name":"1","value":"1"}""", """{"other":"a","$patch":"replace"}""")));
        Equal("""{}""", Node(Apply("""{"name":"1"}""", """{"$patch":"delete"}""")));
    }

    [Fact]
    public void ObjectsCarryingPatchAreDroppedWhereThereIsNothingToMergeInto()
    {
        // apimachinery's removeDirectives: such values vanish instead of being stored with the directive.
        Equal("""{"k":1}""", Node(Apply("""{"k":1}""", """{"m":{"$patch":"replace","x":1}}""")));
        Equal("""{"k":1,"items":[{"name":"hello"}]}""", Node(Apply("""{"k":1}""", """{"items":[{"name":"hello"},{"name":"nope","$patch":"delete"}]}""")));
    }

    [Theory]
    [InlineData("""{"numbers":[1,2]}""", """{"numbers":[2,3]}""", """{"numbers":[1,2,3]}""")]
    [InlineData("""{"numbers":[1,2,3]}""", """{"numbers":[3,1,2]}""", """{"numbers":[3,1,2]}""")]
    [InlineData("""{"numbers":[1,2,3]}""", """{"numbers":[3,1]}""", """{"numbers":[2,3,1]}""")]
    [InlineData("""{"numbers":[1,2,3]}""", """{"$deleteFromPrimitiveList/numbers":[2,9]}""", """{"numbers":[1,3]}""")]
    [InlineData("""{"numbers":[1,2]}""", """{"$deleteFromPrimitiveList/numbers":[3]}""", """{"numbers":[1,2]}""")]
    [InlineData("""{"other":["x"]}""", """{"$deleteFromPrimitiveList/numbers":[3]}""", """{"other":["x"]}""")]
    [InlineData("""{"plainList":[1,2,3]}""", """{"$deleteFromPrimitiveList/plainList":[2]}""", """{"plainList":[1,3]}""")]
    [InlineData("""{"numbers":[1,2,3]}""", """{"$setElementOrder/numbers":[1,2],"$deleteFromPrimitiveList/numbers":[3]}""", """{"numbers":[1,2]}""")]
    // New scalars rank before live-only ones they are not ordered against (apimachinery's mergeSortedSlice).
    [InlineData("""{"numbers":[1,2,3,4]}""", """{"$setElementOrder/numbers":[1,2,5],"numbers":[5],"$deleteFromPrimitiveList/numbers":[3]}""", """{"numbers":[1,2,5,4]}""")]
    [InlineData("""{"numbers":[1,3]}""", """{"$setElementOrder/numbers":[3,2,1]}""", """{"numbers":[3,1]}""")]
    public void ListsOfScalarsMergeAsSets(string original, string patch, string expected) => Equal(expected, Node(Apply(original, patch)));

    [Fact]
    public void RetainKeysClearsUnlistedKeys()
    {
        Equal("""{"retained":{"type":"Recreate"}}""", Node(Apply(
            """{"retained":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}}}""",
            """{"retained":{"$retainKeys":["type"],"type":"Recreate"}}""")));
        // Without the directive the object just merges.
        Equal("""{"retained":{"type":"Recreate","rollingUpdate":{"maxSurge":"25%"}}}""", Node(Apply(
            """{"retained":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}}}""",
            """{"retained":{"type":"Recreate"}}""")));
    }

    [Fact]
    public void RetainKeysWorksOnItemsOfAMergedList()
    {
        Equal("""{"retainedList":[{"name":"data","emptyDir":{}},{"name":"other","hostPath":{"path":"/x"}}]}""", Node(Apply(
            """{"retainedList":[{"name":"data","hostPath":{"path":"/d"}},{"name":"other","hostPath":{"path":"/x"}}]}""",
            """{"retainedList":[{"$retainKeys":["emptyDir","name"],"emptyDir":{},"name":"data"}]}""")));
    }

    [Fact]
    public void RetainKeysAllowsNullsAndParallelListsThatItDoesNotName()
    {
        Equal("""{"retained":{"numbers":[2]}}""", Node(Apply(
            """{"retained":{"numbers":[1,2],"gone":1}}""",
            """{"retained":{"$retainKeys":["numbers"],"other":null,"$deleteFromPrimitiveList/numbers":[1],"$setElementOrder/numbers":[2]}}""")));
    }

    [Theory]
    [InlineData("""{"retained":{"$retainKeys":["a"],"b":1}}""", "invalid patch format of retainKeys")]
    [InlineData("""{"retained":{"$retainKeys":"a"}}""", "invalid patch format of retainKeys")]
    [InlineData("""{"$deleteFromPrimitiveList":[1]}""", "invalid patch format of primitive list")]
    [InlineData("""{"$setElementOrder":[1]}""", "invalid patch format of setElementOrder list")]
    [InlineData("""{"$setElementOrderX/items":[]}""", "invalid patch format of setElementOrder list")]
    public void MalformedDirectivesAre400(string patch, string message)
    {
        var e = Assert.Throws<PatchException>(() => Apply("""{"retained":{"a":1},"items":[]}""", patch));
        Assert.Equal(400, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("""{"items":[{"name":"a"}]}""", """{"items":[{"value":"b"}]}""", "map: map[value:b] does not contain declared merge key: name")]
    [InlineData("""{"items":[{"name":"a"}]}""", """{"items":[{"$patch":"delete"}]}""", "map: map[$patch:delete] does not contain declared merge key: name")]
    [InlineData("""{"items":[{"name":"a"}]}""", """{"items":[{"name":"a","$patch":"merge"}]}""", "merging lists cannot yet be specified in the patch")]
    [InlineData("""{"items":[{"name":"a"}]}""", """{"items":[{"name":"a","$patch":"bogus"}]}""", "unknown patch type: bogus in map: map[$patch:bogus name:a]")]
    [InlineData("""{"m":{"a":1}}""", """{"m":{"$patch":"merge"}}""", "unknown patch type: merge in map: map[$patch:merge]")]
    [InlineData("""{"numbers":[]}""", """{"numbers":[[2]]}""", "lists of lists are not supported")]
    [InlineData("""{"numbers":[1]}""", """{"numbers":[[2]]}""", "list element types are not identical: [[1] [[2]]]")]
    [InlineData("""{"numbers":[1]}""", """{"numbers":["2"]}""", "list element types are not identical: [[1] [2]]")]
    [InlineData("""{"items":[{"name":"a"}]}""", """{"items":["a"]}""", "list element types are not identical: [[map[name:a]] [a]]")]
    [InlineData("""{"items":[{"name":"1"},{"name":"3"},{"name":"2"}]}""", """{"$setElementOrder/items":[{"name":"1"},{"name":"2"},{"name":"3"}],"items":[{"name":"3","v":3},{"name":"1","v":1}]}""",
        "The order in patch list:\n[map[name:3 v:3] map[name:1 v:1]]\n doesn't match $setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]\n")]
    [InlineData("""{"items":[{"name":"a"}]}""", """{"$setElementOrder/items":{"name":"a"}}""", "expected a []interface {}, but received a map[string]interface {}")]
    [InlineData("""{"items":[{"name":"a"}]}""", """{"$setElementOrder/items":[{"nom":"a"}],"items":[{"name":"a","v":1}]}""", "map: map[nom:a] does not contain declared merge key: name")]
    public void PatchesThatDoNotFitAre422(string original, string patch, string message)
    {
        var e = Assert.Throws<PatchException>(() => Apply(original, patch));
        Assert.Equal(422, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void ListItemsOfTheLiveObjectWithoutTheMergeKeyFailAMerge()
    {
        var e = Assert.Throws<PatchException>(() => Apply("""{"items":[{"value":"orphan"}]}""", """{"items":[{"name":"a"}]}"""));
        Assert.Equal("map: map[value:orphan] does not contain declared merge key: name", e.Message);
    }

    [Fact]
    public void ApplyDoesNotModifyItsArguments()
    {
        var original = Obj("""{"items":[{"name":"a","v":1}],"m":{"x":1}}""");
        var patch = Obj("""{"$setElementOrder/items":[{"name":"b"},{"name":"a"}],"items":[{"name":"b"},{"name":"a","v":2}],"m":{"x":null}}""");
        var result = StrategicMergePatch.Apply(original, patch, Schema);
        Equal("""{"items":[{"name":"b"},{"name":"a","v":2}],"m":{}}""", result);
        Equal("""{"items":[{"name":"a","v":1}],"m":{"x":1}}""", original);
        Equal("""{"$setElementOrder/items":[{"name":"b"},{"name":"a"}],"items":[{"name":"b"},{"name":"a","v":2}],"m":{"x":null}}""", patch);
    }

    [Fact]
    public void DecodedBodyMustBeAnObject()
    {
        Equal("""{"a":1}""", StrategicMergePatch.Apply(Obj("""{"a":1}"""), (System.Text.Json.Nodes.JsonNode?)null, Schema));
        var e = Assert.Throws<PatchException>(() => StrategicMergePatch.Apply(Obj("{}"), Node("[1]"), Schema));
        Assert.Equal(400, e.Code);
        Assert.Equal("json: cannot unmarshal array into Go value of type map[string]interface {}", e.Message);
    }

    [Fact]
    public void MergeKeysCompareNumbersByValue()
    {
        var ports = PatchSchema.Of(("ports", PatchField.MergeList("containerPort")));
        var result = StrategicMergePatch.Apply(Obj("""{"ports":[{"containerPort":80}]}"""), Obj("""{"ports":[{"containerPort":80.0,"name":"http"}]}"""), ports);
        var item = Assert.Single(result["ports"]!.AsArray());
        Assert.Equal("http", (string?)item!["name"]);
    }
}
