using System.Text;
using Berth.Api.Protobuf;

namespace Berth.Api.Tests.Protobuf;

/// <summary>Builds protobuf wire data for tests, field by field.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();

    public static byte[] Envelope(string apiVersion, string kind, Action<ProtoWriter> body)
    {
        var typeMeta = new ProtoWriter().String(1, apiVersion).String(2, kind);
        var unknown = new ProtoWriter().Bytes(1, typeMeta.ToArray()).Message(2, body).String(3, "").String(4, "");
        return [.. KubernetesProtobuf.Magic, .. unknown.ToArray()];
    }

    public ProtoWriter Tag(int number, ProtoWireType wire) => RawVarint(((ulong)number << 3) | (ulong)wire);

    public ProtoWriter RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
        return this;
    }

    public ProtoWriter Raw(params byte[] bytes)
    {
        _buffer.Write(bytes);
        return this;
    }

    public ProtoWriter Varint(int number, long value) => Tag(number, ProtoWireType.Varint).RawVarint((ulong)value);

    public ProtoWriter Bool(int number, bool value) => Varint(number, value ? 1 : 0);

    public ProtoWriter Bytes(int number, byte[] value) => Tag(number, ProtoWireType.LengthDelimited).RawVarint((ulong)value.Length).Raw(value);

    public ProtoWriter String(int number, string value) => Bytes(number, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int number, Action<ProtoWriter> body)
    {
        var inner = new ProtoWriter();
        body(inner);
        return Bytes(number, inner.ToArray());
    }

    /// <summary>A map entry {key=1, value=2} with a string value.</summary>
    public ProtoWriter Entry(int number, string key, string value) => Message(number, e => e.String(1, key).String(2, value));

    public byte[] ToArray() => _buffer.ToArray();
}
