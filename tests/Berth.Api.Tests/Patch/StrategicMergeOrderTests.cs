using Xunit;
using static Berth.Api.Tests.Patch.JsonAssert;
using static Berth.Api.Tests.Patch.StrategicMergePatchTests;

namespace Berth.Api.Tests.Patch;

/// <summary>
/// Where merged list items land, with and without <c>$setElementOrder</c>: the three-way patches kubectl apply
/// sends against live lists that differ from what was last applied. Expected orders are apimachinery's.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class StrategicMergeOrderTests
{
    private static string Names(string json) =>
        string.Join(",", Node(json)!["items"]!.AsArray().Select(i => (string?)i!["name"]));

    [Fact]
    public void SetElementOrderPlacesNewItemsBeforeAndAfter()
    {
        var result = Apply("""{"items":[{"name":"1","other":"a"},{"name":"2","value":"2"}]}""",
            """{"$setElementOrder/items":[{"name":"4"},{"name":"1"},{"name":"2"},{"name":"3"}],"items":[{"name":"4","value":"4"},{"name":"3","value":"3"}]}""");
        Equal("""{"items":[{"name":"4","value":"4"},{"name":"1","other":"a"},{"name":"2","value":"2"},{"name":"3","value":"3"}]}""", Node(result));
    }

    [Fact]
    public void NewItemGoesBeforeALiveOnlyItemItIsNotOrderedAgainst()
    {
        // A sidecar injected on the server (s) is not in $setElementOrder; the new item b is added.
        Assert.Equal("a,b,s", Names(Apply("""{"items":[{"name":"a"},{"name":"s"}]}""",
            """{"$setElementOrder/items":[{"name":"a"},{"name":"b"}],"items":[{"name":"b"}]}""")));
    }

    [Fact]
    public void WhenTheSamePatchDeletesAnItemNewItemsRankAfterLiveOnes()
    {
        // apimachinery deletes and appends in place in the live slice, so the appended item takes the deleted
        // item's slot in the order it then sorts by: live-only 4 stays before the new 3.
        Assert.Equal("2,4,3", Names(Apply("""{"items":[{"name":"1"},{"name":"2","other":"b"},{"name":"4","other":"c"}]}""",
            """{"$setElementOrder/items":[{"name":"2"},{"name":"3"}],"items":[{"name":"3"},{"name":"1","$patch":"delete"}]}""")));
        Assert.Equal("4,2,3", Names(Apply("""{"items":[{"name":"1","other":"a"},{"name":"4","other":"c"}]}""",
            """{"$setElementOrder/items":[{"name":"2"},{"name":"3"}],"items":[{"name":"2"},{"name":"3"},{"name":"1","$patch":"delete"}]}""")));
    }

    [Fact]
    public void DeletingAMissingItemAndAddingOne()
    {
        Equal("""{"items":[{"name":"2"},{"name":"3","other":"a"}]}""", Node(Apply("""{"items":[{"name":"3","other":"a"}]}""",
            """{"$setElementOrder/items":[{"name":"2"}],"items":[{"name":"2"},{"name":"1","$patch":"delete"}]}""")));
    }

    [Fact]
    public void ConflictingLiveValuesAreOverwrittenInPlace()
    {
        Equal("""{"items":[{"name":"1","other":"a"},{"name":"2","value":"2","other":"b"},{"name":"3","value":"3"}]}""", Node(Apply(
            """{"items":[{"name":"1","other":"a"},{"name":"2","value":"3","other":"b"}]}""",
            """{"$setElementOrder/items":[{"name":"1"},{"name":"2"},{"name":"3"}],"items":[{"name":"2","value":"2"},{"name":"3","value":"3"}]}""")));
    }

    [Fact]
    public void SetElementOrderMayNameItemsThatAreNowhere()
    {
        Equal("""{"items":[{"name":"3","value":"3"},{"name":"1","value":"1"}]}""", Node(Apply(
            """{"items":[{"name":"1"},{"name":"3"}]}""",
            """{"$setElementOrder/items":[{"name":"3"},{"name":"2"},{"name":"1"}],"items":[{"name":"3","value":"3"},{"name":"1","value":"1"}]}""")));
    }

    [Fact]
    public void SetElementOrderForAListTheLiveObjectLacks()
    {
        Equal("""{"items":[{"name":"hello"}],"k":1}""", Node(Apply("""{"k":1}""",
            """{"$setElementOrder/items":[{"name":"hello"},{"name":"gone"}],"items":[{"name":"hello"},{"$patch":"delete","name":"gone"}]}""")));
    }

    [Fact]
    public void SetElementOrderAloneReordersTheLiveList()
    {
        Assert.Equal("c,a,b", Names(Apply("""{"items":[{"name":"a"},{"name":"b"},{"name":"c"}]}""",
            """{"$setElementOrder/items":[{"name":"c"},{"name":"a"},{"name":"b"}]}""")));
    }

    [Fact]
    public void SetElementOrderOnAListWithoutMergeStrategyLeavesItToReplacement()
    {
        Equal("""{"plainList":[{"name":"z"}]}""", Node(Apply("""{"plainList":[{"name":"a"}]}""",
            """{"$setElementOrder/plainList":[{"name":"z"}],"plainList":[{"name":"z"}]}""")));
    }
}
