using System.Text.Json.Nodes;
using Berth.Controllers.Common;
using Berth.Controllers.Deployments;
using Xunit;

namespace Berth.Controllers.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class HashTests
{
    [Fact]
    public void Fnv32a_matches_the_reference_vectors()
    {
        // http://www.isthe.com/chongo/src/fnv/test_fnv.c: FNV-1a 32 of "" and "a" and "foobar".
        Assert.Equal(0x811c9dc5u, TemplateHash.Fnv32a(2166136261, []));
        Assert.Equal(0xe40c292cu, TemplateHash.Fnv32a(2166136261, "a"u8));
        Assert.Equal(0xbf9cf968u, TemplateHash.Fnv32a(2166136261, "foobar"u8));
    }

    [Fact]
    public void Safe_encoding_uses_kube_alphabet()
    {
        // rand.SafeEncodeString maps each rune by its code point modulo 27 into "bcdfghjklmnpqrstvwxz2456789".
        Assert.Equal("4545", TemplateHash.SafeEncode("0101"));
        Assert.Equal("bcd", TemplateHash.SafeEncode("\u001b\u001c\u001d"));
        Assert.DoesNotContain(TemplateHash.Compute(new JsonObject { ["a"] = 1 }), "aeiou");
    }

    [Fact]
    public void Hash_ignores_key_order_and_changes_with_content_and_collisions()
    {
        var a = JsonNode.Parse("""{"metadata":{"labels":{"app":"web","tier":"fe"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}}""");
        var b = JsonNode.Parse("""{"spec":{"containers":[{"image":"nginx:1","name":"c"}]},"metadata":{"labels":{"tier":"fe","app":"web"}}}""");
        var c = JsonNode.Parse("""{"metadata":{"labels":{"app":"web","tier":"fe"}},"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}""");
        Assert.Equal(TemplateHash.Compute(a), TemplateHash.Compute(b));
        Assert.NotEqual(TemplateHash.Compute(a), TemplateHash.Compute(c));
        Assert.NotEqual(TemplateHash.Compute(a), TemplateHash.Compute(a, 1));
        Assert.NotEqual(TemplateHash.Compute(a, 1), TemplateHash.Compute(a, 2));
        Assert.Equal(TemplateHash.Compute(a, 3), TemplateHash.Compute(b, 3));
    }

    [Fact]
    public void Templates_compare_without_the_hash_label()
    {
        var deployment = JsonNode.Parse("""{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[]}}""")!.AsObject();
        var rs = JsonNode.Parse("""{"metadata":{"labels":{"app":"web","pod-template-hash":"abc"}},"spec":{"containers":[]}}""")!.AsObject();
        Assert.True(DeploymentRevisions.EqualIgnoreHash(deployment, rs));
        rs["spec"]!["containers"] = new JsonArray(new JsonObject { ["name"] = "x" });
        Assert.False(DeploymentRevisions.EqualIgnoreHash(deployment, rs));
    }

    [Fact]
    public void Json_deep_equality_ignores_property_order()
    {
        // Status comparisons rely on this.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":1,"b":{"c":2}}"""), JsonNode.Parse("""{"b":{"c":2},"a":1}""")));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["n"] = 3 }, JsonNode.Parse("""{"n":3}""")));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["n"] = 3L }, new JsonObject { ["n"] = 3 }));
    }
}
