using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Server.Core;
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
}
