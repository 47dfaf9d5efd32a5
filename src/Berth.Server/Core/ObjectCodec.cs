using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Store;

namespace Berth.Server.Core;

/// <summary>
/// How objects are kept in the store: compact JSON with the top-level fields in the order
/// <c>apiVersion, kind, metadata, ...</c> and <em>without</em> <c>metadata.resourceVersion</c>,
/// which is the store revision and is spliced in on every read. Because the encoder writes
/// <c>"metadata":{</c> right after apiVersion and kind, its first occurrence is the top-level
/// metadata (inside JSON strings every quote is escaped, so the sequence cannot appear there),
/// and reads can splice bytes without parsing: a list of 10,000 objects is a copy, not a parse.
/// </summary>
public static class ObjectCodec
{
    /// <summary>A scratch buffer per thread for <see cref="Encode"/> and <see cref="ParseWithRevision"/> (both synchronous): only the result is allocated.</summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private static readonly byte[] MetadataToken = "\"metadata\":{"u8.ToArray();
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        SkipValidation = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Serialises <paramref name="obj"/> in the stored form (no resourceVersion, canonical field order).</summary>
    public static byte[] Encode(JsonObject obj)
    {
        var buffer = Scratch();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            if (obj["apiVersion"] is { } apiVersion)
            {
                w.WritePropertyName("apiVersion");
                apiVersion.WriteTo(w);
            }

            if (obj["kind"] is { } kind)
            {
                w.WritePropertyName("kind");
                kind.WriteTo(w);
            }

            w.WritePropertyName("metadata");
            w.WriteStartObject();
            if (obj["metadata"] is JsonObject meta)
            {
                foreach (var (k, v) in meta)
                {
                    if (k == "resourceVersion")
                    {
                        continue;
                    }

                    w.WritePropertyName(k);
                    WriteNode(w, v);
                }
            }

            w.WriteEndObject();
            foreach (var (k, v) in obj)
            {
                if (k is "apiVersion" or "kind" or "metadata")
                {
                    continue;
                }

                w.WritePropertyName(k);
                WriteNode(w, v);
            }

            w.WriteEndObject();
        }

        var encoded = buffer.WrittenSpan.ToArray();
        ReleaseScratch(buffer);
        return encoded;
    }

    /// <summary>Parses a stored object and sets its <c>metadata.resourceVersion</c> to <paramref name="revision"/>.</summary>
    public static JsonObject Decode(ReadOnlyMemory<byte> stored, long revision)
    {
        var node = JsonNode.Parse(stored.Span) as JsonObject
            ?? throw new InvalidDataException("stored value is not a JSON object");
        if (node["metadata"] is not JsonObject meta)
        {
            meta = [];
            node["metadata"] = meta;
        }

        meta["resourceVersion"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return node;
    }

    /// <summary>
    /// The object of a store event, as <see cref="Decode"/> gives it, over a parse of the event's value that is made once
    /// and kept on the event (<see cref="WatchEvent.Decoded"/>): every watch that gets the same event gets its own tree
    /// (mutable, as a decoded object is), but none parses the text again. The parsed form is a
    /// <see cref="JsonElement"/> with the resourceVersion already in its text; elements are safe to read from many threads.
    /// </summary>
    public static JsonObject DecodeShared(WatchEvent e)
    {
        var parsed = ParseShared(e);
        return parsed.ValueKind == JsonValueKind.Object
            ? JsonObject.Create(parsed)!
            : throw new InvalidDataException("stored value is not a JSON object");
    }

    /// <summary>The event's value with its resourceVersion, parsed once and kept on the event (read-only; see <see cref="DecodeShared"/>).</summary>
    public static JsonElement ParseShared(WatchEvent e)
    {
        // Two watches may parse the same event at once: both parses are whole and equal, and the slot keeps one.
        if (e.Decoded is not StrongBox<JsonElement> parsed)
        {
            parsed = new StrongBox<JsonElement>(ParseWithRevision(e.Value.Span, e.Revision));
            e.Decoded = parsed;
        }

        return parsed.Value;
    }

    /// <summary>The stored bytes with the revision spliced in, parsed into an element that owns an exact copy of the text.</summary>
    private static JsonElement ParseWithRevision(ReadOnlySpan<byte> stored, long revision)
    {
        var buffer = Scratch();
        WriteWithRevision(buffer, stored, revision);
        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        var element = JsonElement.ParseValue(ref reader);
        ReleaseScratch(buffer);
        return element;
    }

    private static ArrayBufferWriter<byte> Scratch()
    {
        var buffer = t_scratch ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        return buffer;
    }

    private static void ReleaseScratch(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity > 1 << 20)
        {
            t_scratch = null; // one huge object should not pin a huge buffer to the thread
        }
    }

    /// <summary>Writes the stored bytes with <c>"resourceVersion":"N"</c> spliced into the top-level metadata.</summary>
    public static void WriteWithRevision(IBufferWriter<byte> output, ReadOnlySpan<byte> stored, long revision)
    {
        var at = stored.IndexOf(MetadataToken);
        if (at < 0)
        {
            output.Write(stored);
            return;
        }

        var split = at + MetadataToken.Length;
        output.Write(stored[..split]);
        Span<byte> rv = stackalloc byte[64];
        var n = 0;
        "\"resourceVersion\":\""u8.CopyTo(rv);
        n += 19;
        Utf8Formatter.TryFormat(revision, rv[n..], out var written);
        n += written;
        rv[n++] = (byte)'"';
        var empty = stored.Length > split && stored[split] == (byte)'}';
        if (!empty)
        {
            rv[n++] = (byte)',';
        }

        output.Write(rv[..n]);
        output.Write(stored[split..]);
    }

    /// <summary>The stored bytes with the revision spliced in, as a new array.</summary>
    public static byte[] WithRevision(ReadOnlySpan<byte> stored, long revision)
    {
        var buffer = new ArrayBufferWriter<byte>(stored.Length + 32);
        WriteWithRevision(buffer, stored, revision);
        return buffer.WrittenSpan.ToArray();
    }

    public static string ToJsonString(JsonNode node) => node.ToJsonString();

    public static byte[] ToUtf8(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(w);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNode(Utf8JsonWriter w, JsonNode? v)
    {
        if (v is null)
        {
            w.WriteNullValue();
        }
        else
        {
            v.WriteTo(w);
        }
    }

    /// <summary>Diagnostic form for logs.</summary>
    public static string Describe(ReadOnlySpan<byte> stored) => Encoding.UTF8.GetString(stored[..Math.Min(stored.Length, 200)]);
}
