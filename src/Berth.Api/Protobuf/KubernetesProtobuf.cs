using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Api.Protobuf;

/// <summary>
/// Decodes request bodies in the Kubernetes protobuf encoding (<c>application/vnd.kubernetes.protobuf</c>)
/// into the JSON object the same request would have carried as <c>application/json</c>.
/// <para>
/// The envelope, as k8s.io/apimachinery/pkg/runtime/serializer/protobuf writes it: the 4 bytes
/// <c>k8s\0</c>, then a <c>runtime.Unknown</c> message {typeMeta{apiVersion=1, kind=2}=1, raw=2,
/// contentEncoding=3, contentType=4} whose <c>raw</c> is the object's own message (Pod, Deployment...),
/// which carries no apiVersion/kind of its own. The result starts with <c>kind</c> and <c>apiVersion</c>
/// from the envelope, then the object's fields in Go struct order.
/// </para>
/// </summary>
public static class KubernetesProtobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    /// <summary>The prefix of every body: "k8s" and the encoding style 0 (a runtime.Unknown follows).</summary>
    public static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    public static bool HasMagic(ReadOnlySpan<byte> body) => body.StartsWith(Magic);

    /// <summary>
    /// Decodes an enveloped body. Throws <see cref="ProtobufUnsupportedKindException"/> when the kind is not in
    /// the schema, and <see cref="ProtobufFormatException"/> for anything malformed; nothing else.
    /// </summary>
    /// <param name="body">The whole request body, magic included.</param>
    /// <param name="schema">The schema; <see cref="ProtobufSchema.Default"/> when null.</param>
    public static JsonObject Decode(ReadOnlySpan<byte> body, ProtobufSchema? schema = null)
    {
        schema ??= ProtobufSchema.Default;
        if (body.IsEmpty)
        {
            throw new ProtobufFormatException("empty body");
        }

        if (!HasMagic(body))
        {
            throw new ProtobufFormatException("the body is not a Kubernetes protobuf message: it does not start with \"k8s\\0\"");
        }

        var envelope = ReadEnvelope(body[Magic.Length..]);
        if (envelope.ContentEncoding.Length > 0)
        {
            throw new ProtobufFormatException($"content encoding '{envelope.ContentEncoding}' of the protobuf envelope is not supported");
        }

        if (envelope.Kind.Length == 0 || envelope.ApiVersion.Length == 0)
        {
            throw new ProtobufFormatException($"the protobuf envelope has no {(envelope.Kind.Length == 0 ? "kind" : "apiVersion")}");
        }

        var message = schema.FindKind(envelope.ApiVersion, envelope.Kind)
            ?? throw new ProtobufUnsupportedKindException(envelope.ApiVersion, envelope.Kind);
        var result = new JsonObject
        {
            ["kind"] = envelope.Kind,
            ["apiVersion"] = envelope.ApiVersion,
        };
        return new ProtoJsonDecoder().DecodeObject(body.Slice(Magic.Length + envelope.RawStart, envelope.RawLength), message, result, 0);
    }

    /// <summary>Decodes one message without envelope (the <c>raw</c> of an Unknown) into its JSON object.</summary>
    public static JsonObject DecodeMessage(ReadOnlySpan<byte> raw, ProtoMessage message) =>
        message.Special == ProtoSpecial.None
            ? new ProtoJsonDecoder().DecodeObject(raw, message, new JsonObject(), 0)
            : throw new ArgumentException($"{message.Name} has a special form, not an object", nameof(message));

    private static Envelope ReadEnvelope(ReadOnlySpan<byte> data)
    {
        var envelope = new Envelope();
        var reader = new ProtoReader(data);
        while (!reader.End)
        {
            var (number, wire) = reader.ReadTag();
            if (number is >= 1 and <= 4 && wire != ProtoWireType.LengthDelimited)
            {
                throw new ProtobufFormatException($"runtime.Unknown field {number} has wire type {(int)wire}, expected 2");
            }

            switch (number)
            {
                case 1:
                    var typeMeta = new ProtoReader(reader.ReadLengthDelimited());
                    while (!typeMeta.End)
                    {
                        var (inner, innerWire) = typeMeta.ReadTag();
                        if (inner is 1 or 2 && innerWire == ProtoWireType.LengthDelimited)
                        {
                            var text = Encoding.UTF8.GetString(typeMeta.ReadLengthDelimited());
                            if (inner == 1)
                            {
                                envelope.ApiVersion = text;
                            }
                            else
                            {
                                envelope.Kind = text;
                            }
                        }
                        else if (inner is 1 or 2)
                        {
                            throw new ProtobufFormatException($"runtime.TypeMeta field {inner} has wire type {(int)innerWire}, expected 2");
                        }
                        else
                        {
                            typeMeta.Skip(inner, innerWire);
                        }
                    }

                    break;
                case 2:
                    var raw = reader.ReadLengthDelimited();
                    envelope.RawStart = reader.Position - raw.Length;
                    envelope.RawLength = raw.Length;
                    break;
                case 3:
                    envelope.ContentEncoding = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                    break;
                case 4:
                    reader.ReadLengthDelimited();
                    break;
                default:
                    reader.Skip(number, wire);
                    break;
            }
        }

        return envelope;
    }

    private sealed class Envelope
    {
        public string ApiVersion = "";
        public string Kind = "";
        public string ContentEncoding = "";
        public int RawStart;
        public int RawLength;
    }
}
