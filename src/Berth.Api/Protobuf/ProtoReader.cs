namespace Berth.Api.Protobuf;

/// <summary>
/// Reads the protobuf wire format from a span, forward only. Every read checks the remaining length, so a
/// truncated or malformed buffer ends in a <see cref="ProtobufFormatException"/>, never an out-of-range read
/// or a loop that does not advance.
/// </summary>
public ref struct ProtoReader
{
    /// <summary>How deeply groups may nest inside an unknown field that is being skipped.</summary>
    public const int MaxGroupDepth = 64;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool End => _position >= _data.Length;

    public readonly int Position => _position;

    /// <summary>Reads a field key. Field number 0, numbers above 2^29-1 and wire types 6 and 7 are errors.</summary>
    public (int Number, ProtoWireType WireType) ReadTag()
    {
        var key = ReadVarint();
        var wire = (int)(key & 7);
        var number = key >> 3;
        if (number == 0 || number > 0x1FFFFFFF)
        {
            throw new ProtobufFormatException($"invalid field number {number} at byte {_position}");
        }

        if (wire > 5)
        {
            throw new ProtobufFormatException($"invalid wire type {wire} at byte {_position}");
        }

        return ((int)number, (ProtoWireType)wire);
    }

    /// <summary>A base-128 varint of at most 10 bytes (the 10th may only carry the top bit).</summary>
    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new ProtobufFormatException("unexpected end of data inside a varint");
            }

            var b = _data[_position++];
            if (shift == 63 && b > 1)
            {
                throw new ProtobufFormatException($"varint overflows 64 bits at byte {_position - 1}");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new ProtobufFormatException($"varint longer than 10 bytes at byte {_position}");
    }

    public ulong ReadFixed64()
    {
        var bytes = Take(8);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    public uint ReadFixed32()
    {
        var bytes = Take(4);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    /// <summary>The payload of a length-delimited field; the length must fit in what is left.</summary>
    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new ProtobufFormatException($"length {length} at byte {_position} runs past the end of the data ({_data.Length - _position} bytes left)");
        }

        return Take((int)length);
    }

    /// <summary>Skips the value of a field this reader's caller does not know, groups included.</summary>
    public void Skip(int number, ProtoWireType wireType)
    {
        Skip(number, wireType, 0);
    }

    private void Skip(int number, ProtoWireType wireType, int depth)
    {
        switch (wireType)
        {
            case ProtoWireType.Varint:
                ReadVarint();
                break;
            case ProtoWireType.Fixed64:
                Take(8);
                break;
            case ProtoWireType.Fixed32:
                Take(4);
                break;
            case ProtoWireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            case ProtoWireType.StartGroup:
                if (depth >= MaxGroupDepth)
                {
                    throw new ProtobufFormatException($"groups nested deeper than {MaxGroupDepth}");
                }

                while (true)
                {
                    if (End)
                    {
                        throw new ProtobufFormatException($"unexpected end of data inside group {number}");
                    }

                    var (inner, innerWire) = ReadTag();
                    if (innerWire == ProtoWireType.EndGroup)
                    {
                        if (inner != number)
                        {
                            throw new ProtobufFormatException($"group {number} closed by end-group {inner}");
                        }

                        return;
                    }

                    Skip(inner, innerWire, depth + 1);
                }

            default:
                throw new ProtobufFormatException($"unexpected end-group {number} at byte {_position}");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
        {
            throw new ProtobufFormatException($"unexpected end of data: {count} bytes needed at byte {_position}, {_data.Length - _position} left");
        }

        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
