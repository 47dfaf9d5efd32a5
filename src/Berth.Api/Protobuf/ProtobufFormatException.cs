namespace Berth.Api.Protobuf;

/// <summary>
/// A protobuf body that cannot be decoded: bad envelope, truncated or malformed wire data, a field of the
/// wrong wire type, or a value with no JSON form. The API server answers it with 400 BadRequest.
/// </summary>
public class ProtobufFormatException : FormatException
{
    public ProtobufFormatException(string message)
        : base(message)
    {
    }

    public ProtobufFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
