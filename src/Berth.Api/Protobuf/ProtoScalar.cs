namespace Berth.Api.Protobuf;

/// <summary>The protobuf scalar types that Kubernetes messages use; <see cref="Message"/> for a message type.</summary>
public enum ProtoScalar
{
    Message,
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    UInt32,
    UInt64,
    Double,
    Float,
}
