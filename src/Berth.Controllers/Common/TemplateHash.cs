using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Controllers.Common;

/// <summary>
/// The hash that names ReplicaSets (<c>pod-template-hash</c>) and ControllerRevisions, after
/// <c>controller.ComputeHash</c>: FNV-1a 32-bit over the object, then the collision count as 4 little-endian
/// bytes when set, printed in decimal and encoded with <c>rand.SafeEncodeString</c> (an alphabet without vowels
/// or look-alikes, so a hash never spells a word). Kube hashes the Go struct dump; Berth hashes a canonical
/// JSON form (object keys sorted, no whitespace, nulls and empty objects and lists dropped as <see cref="SemanticJson"/>
/// does), so names differ from kube's but are equally stable: the same
/// template always gives the same hash, and a collision is resolved by bumping the collision count.
/// </summary>
public static class TemplateHash
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static string Compute(JsonNode? template, long? collisionCount = null)
    {
        var hash = Fnv32a(OffsetBasis, Canonical(SemanticJson.Normalize(template)));
        if (collisionCount is { } c)
        {
            Span<byte> bytes = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, unchecked((uint)c));
            hash = Fnv32a(hash, bytes);
        }

        return SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The canonical UTF-8 JSON of a node: object keys in ordinal order, no whitespace.</summary>
    public static byte[] Canonical(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, node);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static uint Fnv32a(uint hash, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            hash ^= b;
            hash *= Prime;
        }

        return hash;
    }

    /// <summary><c>rand.SafeEncodeString</c>: each character mapped to the alphabet by its code point.</summary>
    public static string SafeEncode(string s) =>
        string.Create(s.Length, s, (span, src) =>
        {
            for (var i = 0; i < src.Length; i++)
            {
                span[i] = Alphabet[src[i] % Alphabet.Length];
            }
        });

    private static void Write(Utf8JsonWriter w, JsonNode? node)
    {
        switch (node)
        {
            case null:
                w.WriteNullValue();
                break;
            case JsonObject o:
                w.WriteStartObject();
                foreach (var (k, v) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    w.WritePropertyName(k);
                    Write(w, v);
                }

                w.WriteEndObject();
                break;
            case JsonArray a:
                w.WriteStartArray();
                foreach (var v in a)
                {
                    Write(w, v);
                }

                w.WriteEndArray();
                break;
            default:
                node.WriteTo(w);
                break;
        }
    }
}
