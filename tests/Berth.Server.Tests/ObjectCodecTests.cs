using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Server.Core;
using Berth.Store;
using Xunit;

namespace Berth.Server.Tests;

[Trait("Tier", "Unit")]
public sealed class ObjectCodecTests
{
    [Fact]
    public void EncodeDropsResourceVersionAndPutsTypeAndMetadataFirst()
    {
        var obj = JsonNode.Parse("""{"spec":{"x":1},"metadata":{"resourceVersion":"7","name":"a"},"kind":"Pod","apiVersion":"v1"}""")!.AsObject();
        var stored = Encoding.UTF8.GetString(ObjectCodec.Encode(obj));
        Assert.Equal("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"x":1}}""", stored);
    }

    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}""", """{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"42","name":"a"}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{}}""", """{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"42"}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"template":{"metadata":{"name":"inner"}}}}""",
        """{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"42","name":"a"},"spec":{"template":{"metadata":{"name":"inner"}}}}""")]
    public void ReadsSpliceTheRevisionIntoTheTopLevelMetadata(string stored, string expected)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ObjectCodec.WriteWithRevision(buffer, Encoding.UTF8.GetBytes(stored), 42);
        Assert.Equal(expected, Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.NotNull(JsonNode.Parse(buffer.WrittenSpan));
    }

    [Fact]
    public void AStringThatLooksLikeMetadataIsNotMistakenForIt()
    {
        var obj = JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","annotations":{"x":"\"metadata\":{"}},"data":{"k":"\"metadata\":{"}}""")!.AsObject();
        var spliced = ObjectCodec.WithRevision(ObjectCodec.Encode(obj), 9);
        var parsed = JsonNode.Parse(spliced)!;
        Assert.Equal("9", parsed["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal("\"metadata\":{", parsed["data"]!["k"]!.GetValue<string>());
    }

    [Fact]
    public void DecodeSetsTheRevision()
    {
        var obj = ObjectCodec.Decode(Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}"""), 5);
        Assert.Equal("5", obj["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public void EveryWatchOfAnEventGetsItsOwnTreeOverOneParse()
    {
        var stored = Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"app":"web"}},"spec":{"nodeName":"n1"}}""");
        var e = new WatchEvent(WatchEventType.Created, "/pods/default/a", stored, 12, 12, null);

        var first = ObjectCodec.DecodeShared(e);
        var parsed = e.Decoded;
        var second = ObjectCodec.DecodeShared(e);

        Assert.NotNull(parsed);
        Assert.Same(parsed, e.Decoded);
        Assert.NotSame(first, second);
        Assert.Equal("12", first["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(ObjectCodec.Decode(stored, 12), first));

        // A watcher may change its object (decoded objects are the caller's): the others do not see it.
        first["metadata"]!["labels"]!["app"] = "changed";
        first["spec"] = new JsonObject();
        Assert.Equal("web", second["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal("n1", second["spec"]!["nodeName"]!.GetValue<string>());
        Assert.Equal("web", ObjectCodec.DecodeShared(e)["metadata"]!["labels"]!["app"]!.GetValue<string>());
    }

    [Fact]
    public void TheSharedParseIsTheEventsObjectWithItsRevisionAndItsTreesAreBuiltOverIt()
    {
        var stored = Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"nodeName":"n1"}}""");
        var e = new WatchEvent(WatchEventType.Updated, "/pods/default/a", stored, 30, 12, null);

        var parsed = ObjectCodec.ParseShared(e);
        Assert.Equal("30", parsed.GetProperty("metadata").GetProperty("resourceVersion").GetString());
        Assert.Equal("n1", parsed.GetProperty("spec").GetProperty("nodeName").GetString());
        Assert.True(JsonNode.DeepEquals(ObjectCodec.Decode(stored, 30), JsonNode.Parse(parsed.GetRawText())));

        // One parse: the element a watch reads and the one its tree is built over are the same.
        var slot = e.Decoded;
        var tree = ObjectCodec.DecodeShared(e);
        Assert.NotNull(slot);
        Assert.Same(slot, e.Decoded);
        Assert.Equal(parsed.GetRawText(), ObjectCodec.ParseShared(e).GetRawText());
        Assert.Equal("30", tree["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public void WatchesDecodingTheSameEventAtOnceAllSeeTheWholeObject()
    {
        var stored = Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k1":"v1","k2":"v2","k3":"v3"}}""");
        for (var round = 0; round < 200; round++)
        {
            var e = new WatchEvent(WatchEventType.Created, "/configmaps/default/a", stored, round + 1, round + 1, null);
            var results = new string[8];
            Parallel.For(0, results.Length, i =>
            {
                var obj = ObjectCodec.DecodeShared(e);
                results[i] = string.Join(",", obj["data"]!.AsObject().Select(p => p.Key + "=" + p.Value!.GetValue<string>()));
            });
            Assert.All(results, r => Assert.Equal("k1=v1,k2=v2,k3=v3", r));
        }
    }

    [Fact]
    public void EncodingsOnOneThreadDoNotShareBytes()
    {
        var big = JsonNode.Parse($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":"{{{new string('x', 100_000)}}}"}}""")!.AsObject();
        var small = JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s"}}""")!.AsObject();
        var first = ObjectCodec.Encode(big);
        var second = ObjectCodec.Encode(small);
        var third = ObjectCodec.Encode(big);
        Assert.Equal("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s"}}""", Encoding.UTF8.GetString(second));
        Assert.Equal(first, third);
        Assert.Equal(100_000, JsonNode.Parse(first)!["data"]!["k"]!.GetValue<string>().Length);
    }
}
