using System.Text.Json.Nodes;
using Xunit;

namespace Berth.Api.Tests.Patch;

/// <summary>Parsing and comparing JSON in tests: objects compare by member set, arrays by position.</summary>
internal static class JsonAssert
{
    public static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    public static JsonNode? Node(string json) => JsonNode.Parse(json);

    public static void Equal(string expected, JsonNode? actual)
    {
        var e = JsonNode.Parse(expected);
        if (!JsonNode.DeepEquals(e, actual))
        {
            Assert.Fail($"JSON differs.\nexpected: {e?.ToJsonString()}\nactual:   {actual?.ToJsonString()}");
        }
    }
}
