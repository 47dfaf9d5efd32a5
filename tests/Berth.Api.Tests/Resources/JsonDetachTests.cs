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
    public void A_detached_copy_is_the_same_JSON()
    {
        var parsed = JsonNode.Parse(Pod)!;
        Assert.Equal(parsed.ToJsonString(), Json.Detach(parsed)!.ToJsonString());
        Assert.Null(Json.Detach(null));
    }

    [Fact]
    public void Strings_and_booleans_no_longer_point_into_the_parsed_document()
    {
        var parsed = JsonNode.Parse(Pod)!;
        var name = parsed["metadata"]!["name"]!;
        Assert.True(name.AsValue().TryGetValue<JsonElement>(out _), "a parsed value is backed by its document (what this guards against)");
        Assert.True(parsed["spec"]!["hostNetwork"]!.AsValue().TryGetValue<JsonElement>(out _));

        var detached = Json.Detach(parsed)!;
        Assert.False(detached["metadata"]!["name"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.False(detached["metadata"]!["labels"]!["app"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.False(detached["spec"]!["hostNetwork"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.Equal("web-0", detached["metadata"]!["name"]!.GetValue<string>());
        Assert.False(detached["spec"]!["hostNetwork"]!.GetValue<bool>());
    }

    [Fact]
    public void Numbers_keep_their_text_and_convert_like_parsed_ones()
    {
        var detached = Json.Detach(JsonNode.Parse(Pod))!;
        var port = detached["spec"]!["containers"]![0]!["ports"]![0]!["containerPort"]!;
        Assert.Equal(8080, port.GetValue<int>());
        Assert.Equal(8080L, port.GetValue<long>());
        Assert.Equal("1.50", detached["status"]!["ratio"]!.ToJsonString());
        Assert.Equal(12345678901234L, detached["status"]!["big"]!.GetValue<long>());
        Assert.True(detached["status"]!.AsObject().ContainsKey("none"));
    }

    [Fact]
    public void The_copy_is_independent_of_the_original()
    {
        var parsed = JsonNode.Parse(Pod)!;
        var detached = Json.Detach(parsed)!;
        parsed["metadata"]!["labels"]!["app"] = "changed";
        Assert.Equal("web", detached["metadata"]!["labels"]!["app"]!.GetValue<string>());
    }

    [Fact]
    public void A_copy_of_a_parsed_element_is_the_same_JSON_and_owns_its_values()
    {
        var element = JsonElement.Parse(Pod);
        var copy = Json.Detach(element)!;
        Assert.Equal(JsonNode.Parse(Pod)!.ToJsonString(), copy.ToJsonString());
        Assert.False(copy["metadata"]!["name"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.False(copy["metadata"]!["labels"]!["app"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.False(copy["spec"]!["hostNetwork"]!.GetValue<bool>());
        Assert.Equal(8080, copy["spec"]!["containers"]![0]!["ports"]![0]!["containerPort"]!.GetValue<int>());
        Assert.Equal("1.50", copy["status"]!["ratio"]!.ToJsonString());
        Assert.True(copy["status"]!.AsObject().ContainsKey("none"));
        Assert.Null(copy["status"]!["none"]);
        Assert.Null(Json.Detach(default(JsonElement)));
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
