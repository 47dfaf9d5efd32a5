using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Api.Protobuf;

/// <summary>
/// Turns protobuf messages into the JSON that kube-apiserver would write for the same Go object: the wire data
/// is read as gogo-protobuf reads it into the Go struct, and the struct is written as encoding/json writes it.
/// That means, per field (see docs/protobuf.md, "JSON semantics"):
/// <list type="bullet">
/// <item>a scalar that Go holds by value is always in the struct: written unless it is zero and <c>omitempty</c>;</item>
/// <item>a pointer (proto2 presence) is written when it was on the wire, even when zero (<c>replicas: 0</c>);
///   when absent it is left out (<c>omitempty</c>) or written as <c>null</c>;</item>
/// <item>a struct held by value is always written (Go never omits structs), e.g. <c>"status": {}</c>;</item>
/// <item>repeated fields and maps are left out when empty (<c>omitempty</c>) or written as <c>null</c>;</item>
/// <item>an inline embedded struct writes its fields into the parent object;</item>
/// <item>map keys are sorted, as encoding/json sorts them; bytes are base64.</item>
/// </list>
/// A message field that occurs more than once is merged (the occurrences are concatenated), a scalar's last
/// occurrence wins, unknown fields are skipped: the protobuf rules.
/// </summary>
internal sealed class ProtoJsonDecoder
{
    /// <summary>How deeply messages may nest; the Kubernetes schemas need about 12.</summary>
    public const int MaxDepth = 64;

    /// <summary>How many JSON nodes one body may produce: a bound on what a 3 MiB body can cost in memory.</summary>
    public const int MaxNodes = 1_000_000;

    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };
    private static readonly JsonDocumentOptions EmbeddedJsonOptions = new() { MaxDepth = 100 };

    private int _nodes;

    public JsonObject DecodeObject(ReadOnlySpan<byte> data, ProtoMessage message, JsonObject target, int depth)
    {
        AppendFields(target, data, message, depth);
        return target;
    }

    private void AppendFields(JsonObject target, ReadOnlySpan<byte> data, ProtoMessage message, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ProtobufFormatException($"messages nested deeper than {MaxDepth}");
        }

        var slots = new Slot?[message.Fields.Count];
        var reader = new ProtoReader(data);
        while (!reader.End)
        {
            var (number, wire) = reader.ReadTag();
            var index = message.IndexOf(number);
            if (index < 0)
            {
                reader.Skip(number, wire);
                continue;
            }

            var field = message.Fields[index];
            Read(ref reader, message, field, wire, slots[index] ??= new Slot());
        }

        for (var i = 0; i < slots.Length; i++)
        {
            Render(target, message.Fields[i], slots[i], data, depth);
        }
    }

    private static void Read(ref ProtoReader reader, ProtoMessage message, ProtoField field, ProtoWireType wire, Slot slot)
    {
        var expected = field.Kind == ProtoFieldKind.Map ? ProtoWireType.LengthDelimited : WireTypeOf(field.Scalar);
        if (field.Kind == ProtoFieldKind.Repeated && wire == ProtoWireType.LengthDelimited && expected != ProtoWireType.LengthDelimited)
        {
            // A packed repeated scalar: gogo accepts it whether or not the schema says packed.
            var packed = new ProtoReader(reader.ReadLengthDelimited());
            slot.Values ??= [];
            while (!packed.End)
            {
                slot.Values.Add(ReadNumber(ref packed, field.Scalar));
            }

            return;
        }

        if (wire != expected)
        {
            throw new ProtobufFormatException($"{message.Name}: field {field.Number} ({field.JsonName}) has wire type {(int)wire}, expected {(int)expected}");
        }

        if (expected == ProtoWireType.LengthDelimited)
        {
            var span = reader.ReadLengthDelimited();
            var range = (reader.Position - span.Length, span.Length);
            if (field.Kind == ProtoFieldKind.Single && field.Scalar != ProtoScalar.Message)
            {
                slot.Last = range;
            }
            else
            {
                (slot.Ranges ??= []).Add(range);
            }

            slot.Seen = true;
            return;
        }

        var value = ReadNumber(ref reader, field.Scalar);
        if (field.Kind == ProtoFieldKind.Repeated)
        {
            (slot.Values ??= []).Add(value);
        }
        else
        {
            slot.Value = value;
        }

        slot.Seen = true;
    }

    private void Render(JsonObject target, ProtoField field, Slot? slot, ReadOnlySpan<byte> data, int depth)
    {
        var present = slot is { Seen: true } || slot?.Values is { Count: > 0 };
        if (field.Inline)
        {
            AppendFields(target, present ? Merge(slot!, data) : [], field.Message!, depth + 1);
            return;
        }

        switch (field.Kind)
        {
            case ProtoFieldKind.Repeated:
                if (!present)
                {
                    SetAbsent(target, field);
                    return;
                }

                var array = Track(new JsonArray());
                if (slot!.Values is not null)
                {
                    foreach (var v in slot.Values)
                    {
                        array.Add(NumberNode(field.Scalar, v));
                    }
                }

                foreach (var (start, length) in slot.Ranges ?? [])
                {
                    var element = data.Slice(start, length);
                    array.Add(field.Scalar == ProtoScalar.Message
                        ? RenderMessage(field.Message!, element, depth + 1)
                        : BytesNode(field.Scalar, element));
                }

                Set(target, field.JsonName, array);
                return;

            case ProtoFieldKind.Map:
                if (!present)
                {
                    SetAbsent(target, field);
                    return;
                }

                Set(target, field.JsonName, RenderMap(field, slot!, data, depth));
                return;
        }

        if (field.Scalar == ProtoScalar.Message)
        {
            var message = field.Message!;
            if (!present)
            {
                if (field.Pointer || message.Special == ProtoSpecial.StringList)
                {
                    SetAbsent(target, field);
                }
                else
                {
                    Set(target, field.JsonName, RenderMessage(message, [], depth + 1));
                }

                return;
            }

            // Go's generated Unmarshal merges a repeated occurrence into a generated message, while the
            // special types' own Unmarshal replaces the value: the last occurrence wins.
            var bytes = message.Special == ProtoSpecial.None ? Merge(slot!, data) : Last(slot!, data);
            var node = RenderMessage(message, bytes, depth + 1);
            if (node is null && message.Special == ProtoSpecial.StringList)
            {
                SetAbsent(target, field);
                return;
            }

            Set(target, field.JsonName, node);
            return;
        }

        if (!present)
        {
            if (field.Pointer || field.OmitEmpty)
            {
                SetAbsent(target, field);
            }
            else
            {
                // A Go value that was never set: its zero, and null for a nil []byte.
                Set(target, field.JsonName, field.Scalar == ProtoScalar.Bytes ? null : ZeroNode(field.Scalar));
            }

            return;
        }

        bool zero;
        JsonNode? scalar;
        if (WireTypeOf(field.Scalar) == ProtoWireType.LengthDelimited)
        {
            var span = data.Slice(slot!.Last.Start, slot.Last.Length);
            zero = span.IsEmpty;
            scalar = BytesNode(field.Scalar, span);
        }
        else
        {
            zero = IsZero(field.Scalar, slot!.Value);
            scalar = NumberNode(field.Scalar, slot.Value);
        }

        if (zero && field.OmitEmpty && !field.Pointer)
        {
            return;
        }

        Set(target, field.JsonName, scalar);
    }

    private JsonObject RenderMap(ProtoField field, Slot slot, ReadOnlySpan<byte> data, int depth)
    {
        var entries = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (start, length) in slot.Ranges ?? [])
        {
            var reader = new ProtoReader(data.Slice(start, length));
            string? key = null;
            JsonNode? value = null;
            var hasValue = false;
            while (!reader.End)
            {
                var (number, wire) = reader.ReadTag();
                if (number == 1)
                {
                    Expect(wire, WireTypeOf(field.KeyScalar), "map key");
                    key = WireTypeOf(field.KeyScalar) == ProtoWireType.LengthDelimited
                        ? Encoding.UTF8.GetString(reader.ReadLengthDelimited())
                        : NumberNode(field.KeyScalar, ReadNumber(ref reader, field.KeyScalar))!.ToJsonString();
                }
                else if (number == 2)
                {
                    Expect(wire, WireTypeOf(field.Scalar), "map value");
                    if (field.Scalar == ProtoScalar.Message)
                    {
                        value = RenderMessage(field.Message!, reader.ReadLengthDelimited(), depth + 1);
                    }
                    else if (WireTypeOf(field.Scalar) == ProtoWireType.LengthDelimited)
                    {
                        value = BytesNode(field.Scalar, reader.ReadLengthDelimited());
                    }
                    else
                    {
                        value = NumberNode(field.Scalar, ReadNumber(ref reader, field.Scalar));
                    }

                    hasValue = true;
                }
                else
                {
                    reader.Skip(number, wire);
                }
            }

            if (!hasValue)
            {
                value = field.Scalar switch
                {
                    ProtoScalar.Message => RenderMessage(field.Message!, [], depth + 1),
                    ProtoScalar.Bytes => BytesNode(ProtoScalar.Bytes, []),
                    _ => ZeroNode(field.Scalar),
                };
            }

            key ??= field.KeyScalar is ProtoScalar.String ? "" : "0";
            entries[key] = value;
        }

        // encoding/json sorts map keys by their bytes; UTF-8 byte order is code point order.
        var map = Track(new JsonObject(NodeOptions));
        foreach (var key in entries.Keys.OrderBy(k => k, Utf8Order.Instance))
        {
            map[key] = entries[key];
        }

        return map;
    }

    private JsonNode? RenderMessage(ProtoMessage message, ReadOnlySpan<byte> data, int depth)
    {
        switch (message.Special)
        {
            case ProtoSpecial.None:
                var obj = Track(new JsonObject(NodeOptions));
                AppendFields(obj, data, message, depth);
                return obj;

            case ProtoSpecial.Time:
                if (data.IsEmpty)
                {
                    return null;
                }

                return StringNode(GoFormat.Time(ReadTimestamp(data, message).Seconds));

            case ProtoSpecial.MicroTime:
                if (data.IsEmpty)
                {
                    return null;
                }

                var (seconds, nanos) = ReadTimestamp(data, message);
                return StringNode(GoFormat.MicroTime(seconds, nanos));

            case ProtoSpecial.Duration:
                return StringNode(GoFormat.Duration((long)ReadSmall(data, message).Number1));

            case ProtoSpecial.Quantity:
                var quantity = ReadSmall(data, message).String1;
                if (quantity is null)
                {
                    return StringNode("0");
                }

                if (!GoFormat.IsQuantity(quantity))
                {
                    throw new ProtobufFormatException($"{message.Name}: '{quantity}' is not a quantity");
                }

                return StringNode(quantity);

            case ProtoSpecial.IntOrString:
                var ios = ReadSmall(data, message);
                return ios.Number1 switch
                {
                    0 => Track(JsonValue.Create((int)(uint)ios.Number2)),
                    1 => StringNode(ios.String3 ?? ""),
                    _ => throw new ProtobufFormatException($"{message.Name}: type {(long)ios.Number1} is neither 0 (int) nor 1 (string)"),
                };

            case ProtoSpecial.RawExtension:
            case ProtoSpecial.FieldsV1:
                var raw = ReadSmall(data, message).Bytes1;
                return raw is null || raw.Length == 0 ? null : ParseEmbeddedJson(raw, message);

            case ProtoSpecial.StringList:
                var items = ReadSmall(data, message).Strings1;
                if (items is null)
                {
                    return null;
                }

                var array = Track(new JsonArray());
                foreach (var item in items)
                {
                    array.Add(StringNode(item));
                }

                return array;

            default:
                throw new ProtobufFormatException($"{message.Name}: unknown special form {message.Special}");
        }
    }

    private JsonNode? ParseEmbeddedJson(byte[] raw, ProtoMessage message)
    {
        try
        {
            var node = JsonNode.Parse(raw, NodeOptions, EmbeddedJsonOptions);
            _nodes += raw.Length / 8;
            Track(node);
            return node;
        }
        catch (JsonException e)
        {
            throw new ProtobufFormatException($"{message.Name}: the embedded object is not JSON: {e.Message}", e);
        }
    }

    private static (long Seconds, int Nanos) ReadTimestamp(ReadOnlySpan<byte> data, ProtoMessage message)
    {
        var values = ReadSmall(data, message);
        return ((long)values.Number1, (int)(uint)values.Number2);
    }

    /// <summary>
    /// Reads the few fields of a special message: numbers 1 and 2 as varints or strings/bytes, 3 as a string,
    /// repeated strings in 1; each must carry the wire type its Go type has.
    /// </summary>
    private static SmallMessage ReadSmall(ReadOnlySpan<byte> data, ProtoMessage message)
    {
        var result = default(SmallMessage);
        var reader = new ProtoReader(data);
        var layout = message.Special switch
        {
            ProtoSpecial.Time or ProtoSpecial.MicroTime => "vv",
            ProtoSpecial.Duration => "v",
            ProtoSpecial.Quantity => "s",
            ProtoSpecial.IntOrString => "vvs",
            ProtoSpecial.RawExtension or ProtoSpecial.FieldsV1 => "b",
            ProtoSpecial.StringList => "l",
            _ => "",
        };
        while (!reader.End)
        {
            var (number, wire) = reader.ReadTag();
            if (number > layout.Length)
            {
                reader.Skip(number, wire);
                continue;
            }

            var kind = layout[number - 1];
            Expect(wire, kind == 'v' ? ProtoWireType.Varint : ProtoWireType.LengthDelimited, $"{message.Name} field {number}");
            switch ((number, kind))
            {
                case (1, 'v'):
                    result.Number1 = reader.ReadVarint();
                    break;
                case (2, 'v'):
                    result.Number2 = reader.ReadVarint();
                    break;
                case (1, 's'):
                    result.String1 = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                    break;
                case (3, 's'):
                    result.String3 = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                    break;
                case (1, 'b'):
                    result.Bytes1 = reader.ReadLengthDelimited().ToArray();
                    break;
                case (1, 'l'):
                    (result.Strings1 ??= []).Add(Encoding.UTF8.GetString(reader.ReadLengthDelimited()));
                    break;
                default:
                    reader.Skip(number, wire);
                    break;
            }
        }

        return result;
    }

    private static ProtoWireType WireTypeOf(ProtoScalar scalar) => scalar switch
    {
        ProtoScalar.Message or ProtoScalar.String or ProtoScalar.Bytes => ProtoWireType.LengthDelimited,
        ProtoScalar.Double => ProtoWireType.Fixed64,
        ProtoScalar.Float => ProtoWireType.Fixed32,
        _ => ProtoWireType.Varint,
    };

    private static void Expect(ProtoWireType actual, ProtoWireType expected, string what)
    {
        if (actual != expected)
        {
            throw new ProtobufFormatException($"{what} has wire type {(int)actual}, expected {(int)expected}");
        }
    }

    private static ulong ReadNumber(ref ProtoReader reader, ProtoScalar scalar) => scalar switch
    {
        ProtoScalar.Double => reader.ReadFixed64(),
        ProtoScalar.Float => reader.ReadFixed32(),
        _ => reader.ReadVarint(),
    };

    private static bool IsZero(ProtoScalar scalar, ulong value) => scalar switch
    {
        ProtoScalar.Int32 or ProtoScalar.UInt32 => (uint)value == 0,
        ProtoScalar.Double => BitConverter.UInt64BitsToDouble(value) == 0,
        ProtoScalar.Float => BitConverter.UInt32BitsToSingle((uint)value) == 0,
        _ => value == 0,
    };

    private JsonNode NumberNode(ProtoScalar scalar, ulong value) => scalar switch
    {
        ProtoScalar.Bool => Track(JsonValue.Create(value != 0)),
        ProtoScalar.Int32 => Track(JsonValue.Create((int)(uint)value)),
        ProtoScalar.Int64 => Track(JsonValue.Create((long)value)),
        ProtoScalar.UInt32 => Track(JsonValue.Create((uint)value)),
        ProtoScalar.UInt64 => Track(JsonValue.Create(value)),
        ProtoScalar.Double => Track(JsonValue.Create(Finite(BitConverter.UInt64BitsToDouble(value)))),
        ProtoScalar.Float => Track(JsonValue.Create(Finite(BitConverter.UInt32BitsToSingle((uint)value)))),
        _ => throw new ProtobufFormatException($"a {scalar} is not a number"),
    };

    private JsonNode BytesNode(ProtoScalar scalar, ReadOnlySpan<byte> bytes) =>
        scalar == ProtoScalar.Bytes
            ? Track(JsonValue.Create(Convert.ToBase64String(bytes)))
            : Track(JsonValue.Create(Encoding.UTF8.GetString(bytes)));

    private JsonNode ZeroNode(ProtoScalar scalar) =>
        scalar == ProtoScalar.String ? Track(JsonValue.Create("")) : NumberNode(scalar, 0);

    private JsonValue? StringNode(string? value) => value is null ? null : Track(JsonValue.Create(value));

    private static double Finite(double value) =>
        double.IsFinite(value) ? value : throw new ProtobufFormatException($"{value.ToString(CultureInfo.InvariantCulture)} has no JSON form");

    private static void SetAbsent(JsonObject target, ProtoField field)
    {
        if (!field.OmitEmpty)
        {
            target[field.JsonName] = null;
        }
    }

    private static void Set(JsonObject target, string name, JsonNode? value) => target[name] = value;

    private static ReadOnlySpan<byte> Last(Slot slot, ReadOnlySpan<byte> data)
    {
        var (start, length) = slot.Ranges![^1];
        return data.Slice(start, length);
    }

    private static ReadOnlySpan<byte> Merge(Slot slot, ReadOnlySpan<byte> data)
    {
        var ranges = slot.Ranges!;
        if (ranges.Count == 1)
        {
            return data.Slice(ranges[0].Start, ranges[0].Length);
        }

        var merged = new byte[ranges.Sum(r => r.Length)];
        var at = 0;
        foreach (var (start, length) in ranges)
        {
            data.Slice(start, length).CopyTo(merged.AsSpan(at));
            at += length;
        }

        return merged;
    }

    private T Track<T>(T node)
    {
        if (++_nodes > MaxNodes)
        {
            throw new ProtobufFormatException($"the body decodes to more than {MaxNodes} JSON values");
        }

        return node;
    }

    /// <summary>What the wire said about one field of a message being decoded.</summary>
    private sealed class Slot
    {
        public bool Seen;
        public ulong Value;
        public (int Start, int Length) Last;
        public List<ulong>? Values;
        public List<(int Start, int Length)>? Ranges;
    }

    private struct SmallMessage
    {
        public ulong Number1;
        public ulong Number2;
        public string? String1;
        public string? String3;
        public byte[]? Bytes1;
        public List<string>? Strings1;
    }

    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y) =>
            Encoding.UTF8.GetBytes(x ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? ""));
    }
}
