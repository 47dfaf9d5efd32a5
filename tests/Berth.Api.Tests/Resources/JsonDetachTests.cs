using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class JsonDetachTests
{
    private const string Pod =
        """{"metadata":{"name":"web-0","labels":{"app":"web"}},"spec":{"hostNetwork":false,"containers":[{"name":"c","ports":[{"containerPort":8080,"name":"http"}]}]},"status":{"ratio":1.50,"big":12345678901234,"none":null}}""";

    [Fact]
    public void A_copy_of_a_parsed_element_is_the_same_JSON()
    {
        Assert.Equal(JsonNode.Parse(Pod)!.ToJsonString(), Json.Detach(JsonElement.Parse(Pod))!.ToJsonString());
        Assert.Null(Json.Detach(default(JsonElement)));
    }

    [Fact]
    public void Strings_and_booleans_no_longer_point_into_the_parsed_document()
    {
        var parsed = JsonNode.Parse(Pod)!;
        Assert.True(parsed["metadata"]!["name"]!.AsValue().TryGetValue<JsonElement>(out _), "a parsed value is backed by its document (what this guards against)");
        Assert.True(parsed["spec"]!["hostNetwork"]!.AsValue().TryGetValue<JsonElement>(out _));

        var detached = Json.Detach(JsonElement.Parse(Pod))!;
        Assert.False(detached["metadata"]!["name"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.False(detached["metadata"]!["labels"]!["app"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.False(detached["spec"]!["hostNetwork"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.Equal("web-0", detached["metadata"]!["name"]!.GetValue<string>());
        Assert.False(detached["spec"]!["hostNetwork"]!.GetValue<bool>());
    }

    [Fact]
    public void Numbers_keep_their_text_and_convert_like_parsed_ones()
    {
        var detached = Json.Detach(JsonElement.Parse(Pod))!;
        var port = detached["spec"]!["containers"]![0]!["ports"]![0]!["containerPort"]!;
        Assert.Equal(8080, port.GetValue<int>());
        Assert.Equal(8080L, port.GetValue<long>());
        Assert.Equal("1.50", detached["status"]!["ratio"]!.ToJsonString());
        Assert.Equal(12345678901234L, detached["status"]!["big"]!.GetValue<long>());
        Assert.True(detached["status"]!.AsObject().ContainsKey("none"));
        Assert.Null(detached["status"]!["none"]);
    }

    [Fact]
    public void The_copy_is_independent_of_a_tree_over_the_same_text()
    {
        var element = JsonElement.Parse(Pod);
        var tree = JsonObject.Create(element)!;
        var detached = Json.Detach(element)!;
        tree["metadata"]!["labels"]!["app"] = "changed";
        Assert.Equal("web", detached["metadata"]!["labels"]!["app"]!.GetValue<string>());
    }

    [Fact]
    public void Paths_through_a_parsed_element_tolerate_missing_and_mistyped_steps()
    {
        var element = JsonElement.Parse(Pod);
        Assert.Equal("web-0", Json.String(element, "metadata", "name"));
        Assert.Equal("web", Json.String(element, "metadata", "labels", "app"));
        Assert.Null(Json.String(element, "metadata", "missing"));
        Assert.Null(Json.String(element, "metadata", "name", "deeper"));
        Assert.Null(Json.String(element, "spec", "hostNetwork"));
        Assert.Equal(JsonValueKind.Undefined, Json.Walk(element, "spec", "containers", "0").ValueKind);
        Assert.Equal(JsonValueKind.Array, Json.Walk(element, "spec", "containers").ValueKind);
        Assert.Equal(JsonValueKind.Undefined, Json.Walk(default(JsonElement), "spec").ValueKind);
    }
}
